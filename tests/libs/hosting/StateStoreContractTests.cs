using System.Globalization;
using System.Text;

namespace GenAiRouter.Hosting.Tests;

/// <summary>What every standalone state store promises, run against each of them.</summary>
public sealed class StateStoreContractTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("state-store-").FullName;

    public static TheoryData<string> Stores => ["memory", "sqlite"];

    [Theory]
    [MemberData(nameof(Stores))]
    public async Task A_write_with_the_etag_that_was_read_wins_and_a_stale_one_loses(string kind)
    {
        var store = Create(kind);
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
        var store = Create(kind);
        await store.SetAsync("k", "v"u8.ToArray(), null, default);

        Assert.False(await store.TrySetAsync("k", "other"u8.ToArray(), etag: null, default));
        Assert.Equal("v"u8.ToArray(), await store.GetAsync("k", default));
    }

    [Theory]
    [MemberData(nameof(Stores))]
    public async Task Concurrent_read_modify_write_loops_lose_no_update(string kind)
    {
        var store = Create(kind);
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
        var store = Create(kind);

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

    public void Dispose()
    {
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        Directory.Delete(_dir, recursive: true);
    }

    private IStateStore Create(string kind) => kind switch
    {
        "memory" => new InMemoryStateStore(TimeProvider.System),
        "sqlite" => new SqliteStateStore(Path.Combine(_dir, $"{Guid.NewGuid():N}.db"), TimeProvider.System),
        _ => throw new ArgumentOutOfRangeException(nameof(kind)),
    };
}
