using GenAiRouter.Contracts.V1;
using Google.Protobuf.WellKnownTypes;
using Microsoft.Extensions.Configuration;

namespace GenAiRouter.Usage.Tests;

/// <summary>The usage database's promises, against SQLite (the embedded default) and a real PostgreSQL server.</summary>
public sealed class UsageStoreTests : IAsyncDisposable
{
    private static readonly DateTimeOffset Day1 = new(2026, 11, 23, 10, 0, 0, TimeSpan.Zero);
    private readonly string _dir = Directory.CreateTempSubdirectory("usage-store-").FullName;
    private PostgresDatabase? _postgres;

    public static TheoryData<string> Databases => ["sqlite", "postgres"];

    [Theory]
    [MemberData(nameof(Databases))]
    public async Task A_redelivered_event_is_stored_once(string database)
    {
        var store = await StoreAsync(database);
        var e = Event("req_1", Day1, "web", input: 100, output: 10, cost: 0.5);

        Assert.True(await store.StoreAsync(e, default));
        Assert.False(await store.StoreAsync(e, default));
        Assert.False(await store.StoreAsync(e.Clone(), default));

        var (_, total) = await store.QueryAsync(All(), default);
        Assert.Equal((1, 100, 10), (total.Requests, total.InputTokens, total.OutputTokens));
    }

    [Theory]
    [MemberData(nameof(Databases))]
    public async Task Events_roll_up_per_day_whatever_order_they_arrive_in_and_filters_apply(string database)
    {
        var store = await StoreAsync(database);
        var events = new[]
        {
            Event("a", Day1.AddDays(1), "web", 10, 1, 0.25, status: 502),
            Event("b", Day1, "web", 20, 2, 0.5),
            Event("c", Day1, "api", 40, 4, 1.0, images: 2),
            Event("d", Day1.AddHours(5), "web", 80, 8, 0.125, cacheHit: true),
        };
        foreach (var e in events.Reverse())
        {
            await store.StoreAsync(e, default);
        }

        var (days, total) = await store.QueryAsync(All() with { Project = "web" }, default);

        Assert.Equal(["2026-11-23", "2026-11-24"], days.Select(d => d.Day));
        Assert.Equal((2, 100, 10, 0.625, 1, 0), (days[0].Requests, days[0].InputTokens, days[0].OutputTokens, days[0].Cost, days[0].CacheHits, days[0].Errors));
        Assert.Equal((1, 1), (days[1].Requests, days[1].Errors));
        Assert.Equal((3, 110, 0.875), (total.Requests, total.InputTokens, total.Cost));
        var (_, api) = await store.QueryAsync(All() with { Project = "api" }, default);
        Assert.Equal((1, 2), (api.Requests, api.Images));
    }

    [Theory]
    [MemberData(nameof(Databases))]
    public async Task Events_outside_the_time_range_are_not_counted(string database)
    {
        var store = await StoreAsync(database);
        await store.StoreAsync(Event("old", Day1.AddDays(-30), "web", 1, 1, 0), default);
        await store.StoreAsync(Event("new", Day1, "web", 1, 1, 0), default);

        var (_, total) = await store.QueryAsync(All() with { Since = Day1.AddDays(-7) }, default);

        Assert.Equal(1, total.Requests);
    }

    [Theory]
    [MemberData(nameof(Databases))]
    public async Task Stored_usage_survives_a_restart_of_the_service(string database)
    {
        await (await StoreAsync(database)).StoreAsync(Event("kept", Day1, "web", 5, 5, 0), default);

        var (_, total) = await (await StoreAsync(database)).QueryAsync(All(), default);

        Assert.Equal(1, total.Requests);
    }

    [Theory]
    [MemberData(nameof(Databases))]
    public async Task Concurrent_redeliveries_of_one_event_count_it_once(string database)
    {
        var store = await StoreAsync(database);
        var e = Event("req_race", Day1, "web", 7, 3, 0.01);

        var stored = await Task.WhenAll(Enumerable.Range(0, 16).Select(_ => Task.Run(() => store.StoreAsync(e.Clone(), default))));

        Assert.Single(stored, s => s);
        var (_, total) = await store.QueryAsync(All(), default);
        Assert.Equal((1, 7), (total.Requests, total.InputTokens));
    }

    [Theory]
    [MemberData(nameof(Databases))]
    public async Task Replicas_starting_together_migrate_the_schema_once(string database)
    {
        await StoreAsync(database);

        var replicas = await Task.WhenAll(Enumerable.Range(0, 4).Select(_ => Task.Run(() => StoreAsync(database))));
        await replicas[0].StoreAsync(Event("after", Day1, "web", 1, 1, 0), default);

        var (_, total) = await replicas[3].QueryAsync(All(), default);
        Assert.Equal(1, total.Requests);
    }

    [Fact]
    public void A_malformed_postgres_connection_string_stops_start_up_without_echoing_it()
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection([new(UsageStore.DatabaseVariable, "Host=db;Pasword=hunter2-secret")]).Build();

        var error = Assert.Throws<GenAiRouter.Hosting.StartupException>(() => UsageStore.Open(configuration));

        Assert.Contains(UsageStore.DatabaseVariable, error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("hunter2", error.Message, StringComparison.Ordinal);
    }

    public async ValueTask DisposeAsync()
    {
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        Directory.Delete(_dir, recursive: true);
        if (_postgres is not null)
        {
            await _postgres.DisposeAsync();
        }
    }

    /// <summary>A store on this test's database; each call is a fresh process's view of the same data.</summary>
    private async Task<UsageStore> StoreAsync(string database)
    {
        var settings = new Dictionary<string, string?> { ["ROUTER_DATA_DIR"] = _dir };
        if (database == "postgres")
        {
            _postgres ??= await PostgresDatabase.CreateAsync();
            settings[UsageStore.DatabaseVariable] = _postgres.ConnectionString;
        }
        return UsageStore.Open(new ConfigurationBuilder().AddInMemoryCollection(settings).Build());
    }

    private static UsageFilter All() => new(null, null, null, null, null, Day1.AddYears(-1), Day1.AddYears(1));

    private static UsageEvent Event(string id, DateTimeOffset time, string project, long input, long output, double cost, int status = 200, int images = 0, bool cacheHit = false) => new()
    {
        RequestId = id, Time = Timestamp.FromDateTimeOffset(time), KeyId = "k", User = "alice", Project = project, Env = "dev",
        Group = "g", Target = "t", Status = status, InputTokens = input, OutputTokens = output, TextCost = cost, ImageCount = images,
        InputHasImage = images > 0, CacheHit = cacheHit,
    };
}
