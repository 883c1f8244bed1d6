using System.Globalization;
using System.Text;

namespace GenAiRouter.Hosting.Tests;

/// <summary>What every standalone state store promises, run against each of them (Redis: a real redis-server).</summary>
public sealed class StateStoreContractTests : IAsyncDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("state-store-").FullName;
    private RedisServer? _redis;
    private StackExchange.Redis.ConnectionMultiplexer? _redisClient;

    public static TheoryData<string> Stores => ["memory", "sqlite", "redis"];

    [Theory]
    [MemberData(nameof(Stores))]
    public async Task A_write_with_the_etag_that_was_read_wins_and_a_stale_one_loses(string kind)
    {
        var store = await CreateAsync(kind);
        Assert.True(await store.TrySetAsync("k", "v1"u8.ToArray(), etag: null, default));
        var first = (await store.GetEntryAsync("k", default))!;

        Assert.True(await store.TrySetAsync("k", "v2"u8.ToArray(), first.ETag, default));
        Assert.False(await store.TrySetAsync("k", "v3"u8.ToArray(), first.ETag, default));

        Assert.Equal("v2"u8.ToArray(), await store.GetAsync("k", default));
    }

    [Theory]
    [MemberData(nameof(Stores))]
    public async Task Writing_only_if_absent_fails_when_the_key_exists(string kind)
    {
        var store = await CreateAsync(kind);
        await store.SetAsync("k", "v"u8.ToArray(), null, default);

        Assert.False(await store.TrySetAsync("k", "other"u8.ToArray(), etag: null, default));
        Assert.Equal("v"u8.ToArray(), await store.GetAsync("k", default));
    }

    [Theory]
    [MemberData(nameof(Stores))]
    public async Task Concurrent_read_modify_write_loops_lose_no_update(string kind)
    {
        var store = await CreateAsync(kind);
        await store.SetAsync("counter", "0"u8.ToArray(), null, default);

        await Task.WhenAll(Enumerable.Range(0, 40).Select(_ => Task.Run(async () =>
        {
            while (true)
            {
                var entry = (await store.GetEntryAsync("counter", default))!;
                var next = int.Parse(Encoding.UTF8.GetString(entry.Value), CultureInfo.InvariantCulture) + 1;
                if (await store.TrySetAsync("counter", Encoding.UTF8.GetBytes(next.ToString(CultureInfo.InvariantCulture)), entry.ETag, default))
                {
                    return;
                }
            }
        })));

        Assert.Equal("40", Encoding.UTF8.GetString((await store.GetAsync("counter", default))!));
    }

    [Theory]
    [MemberData(nameof(Stores))]
    public async Task An_absent_key_reads_as_null_and_deletes_quietly(string kind)
    {
        var store = await CreateAsync(kind);

        Assert.Null(await store.GetAsync("missing", default));
        Assert.Null(await store.GetEntryAsync("missing", default));
        await store.DeleteAsync("missing", default);
    }

    [Fact]
    public async Task The_sqlite_store_keeps_its_entries_across_a_restart()
    {
        var path = Path.Combine(_dir, "tokens.db");
        await new SqliteStateStore(path, TimeProvider.System).SetAsync("token:abc", "record"u8.ToArray(), null, default);

        var reopened = new SqliteStateStore(path, TimeProvider.System);

        Assert.Equal("record"u8.ToArray(), await reopened.GetAsync("token:abc", default));
    }

    [Fact]
    public async Task The_sqlite_store_expires_entries_by_their_time_to_live()
    {
        var store = new SqliteStateStore(Path.Combine(_dir, "cache.db"), TimeProvider.System);

        await store.SetAsync("short", "v"u8.ToArray(), TimeSpan.FromMilliseconds(1), default);
        await store.SetAsync("long", "v"u8.ToArray(), TimeSpan.FromHours(1), default);
        await Task.Delay(20);

        Assert.Null(await store.GetAsync("short", default));
        Assert.NotNull(await store.GetAsync("long", default));
    }

    [Fact]
    public async Task The_redis_store_expires_entries_by_their_time_to_live_and_keeps_stores_apart()
    {
        var cache = await CreateAsync("redis");
        var other = new RedisStateStore(_redisClient!, "other");

        await cache.SetAsync("short", "v"u8.ToArray(), TimeSpan.FromMilliseconds(50), default);
        await cache.SetAsync("long", "v"u8.ToArray(), TimeSpan.FromHours(1), default);
        await Task.Delay(200);

        Assert.Null(await cache.GetAsync("short", default));
        Assert.NotNull(await cache.GetAsync("long", default));
        Assert.Null(await other.GetAsync("long", default));
    }

    public async ValueTask DisposeAsync()
    {
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        Directory.Delete(_dir, recursive: true);
        if (_redisClient is not null)
        {
            await _redisClient.DisposeAsync();
        }
        if (_redis is not null)
        {
            await _redis.DisposeAsync();
        }
    }

    private async Task<IStateStore> CreateAsync(string kind)
    {
        switch (kind)
        {
            case "memory":
                return new InMemoryStateStore(TimeProvider.System);
            case "sqlite":
                return new SqliteStateStore(Path.Combine(_dir, $"{Guid.NewGuid():N}.db"), TimeProvider.System);
            case "redis":
                _redis = await RedisServer.StartAsync();
                _redisClient = await StackExchange.Redis.ConnectionMultiplexer.ConnectAsync(_redis.ConnectionString);
                return new RedisStateStore(_redisClient, "cache");
            default:
                throw new ArgumentOutOfRangeException(nameof(kind));
        }
    }
}
