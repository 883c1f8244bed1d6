using System.Globalization;
using GenAiRouter.Contracts.V1;
using GenAiRouter.Hosting;
using Microsoft.Data.Sqlite;

namespace GenAiRouter.Usage;

/// <summary>A filter over stored usage: any of the caller's names, group, target, and a time range.</summary>
public sealed record UsageFilter(string? Project, string? User, string? Env, string? Group, string? Target, DateTimeOffset Since, DateTimeOffset Until);

/// <summary>Totals for one day (UTC) or for the whole range.</summary>
public sealed record UsageTotals(
    string Day, long Requests, long InputTokens, long CachedInputTokens, long OutputTokens, long ReasoningTokens,
    long Images, double Cost, long CacheHits, long Errors);

/// <summary>
/// Usage events in the standalone database (SQLite in the data directory). Idempotent on the request id, so
/// at-least-once delivery never counts a request twice; the schema is created on start.
/// </summary>
public sealed class UsageStore
{
    private readonly string _connectionString;

    public UsageStore(IConfiguration configuration)
    {
        var dataDir = configuration["ROUTER_DATA_DIR"] is { Length: > 0 } dir
            ? dir
            : throw new StartupException("ROUTER_DATA_DIR must name a directory for the usage database in the standalone topology");
        Directory.CreateDirectory(dataDir);
        _connectionString = new SqliteConnectionStringBuilder { DataSource = Path.Combine(dataDir, "usage.db"), Pooling = true, DefaultTimeout = 10 }.ToString();
        using var connection = Open();
        Execute(connection, "PRAGMA journal_mode=WAL;");
        Execute(connection, """
            CREATE TABLE IF NOT EXISTS usage_events (
              request_id TEXT PRIMARY KEY, time_ms INTEGER NOT NULL, key_id TEXT NOT NULL, user TEXT NOT NULL, project TEXT NOT NULL,
              env TEXT NOT NULL, grp TEXT NOT NULL, target TEXT NOT NULL, upstream_model TEXT NOT NULL, endpoint TEXT NOT NULL,
              stream INTEGER NOT NULL, bridged INTEGER NOT NULL, status INTEGER NOT NULL, latency_ms REAL NOT NULL, ttfb_ms REAL NOT NULL,
              input_tokens INTEGER NOT NULL, cached_input_tokens INTEGER NOT NULL, output_tokens INTEGER NOT NULL, reasoning_tokens INTEGER NOT NULL,
              input_has_image INTEGER NOT NULL, image_count INTEGER NOT NULL, text_cost REAL, image_cost REAL, cache_hit INTEGER NOT NULL);
            CREATE INDEX IF NOT EXISTS usage_by_project_time ON usage_events (project, time_ms);
            """);
    }

    /// <returns>False when an event with this request id was already stored (a redelivery).</returns>
    public async Task<bool> StoreAsync(UsageEvent e, CancellationToken cancellationToken)
    {
        await using var connection = Open();
        await using var command = connection.CreateCommand();
        command.CommandText = """
            INSERT OR IGNORE INTO usage_events VALUES ($id, $time, $key, $user, $project, $env, $group, $target, $model, $endpoint,
              $stream, $bridged, $status, $latency, $ttfb, $input, $cached, $output, $reasoning, $hasImage, $images, $textCost, $imageCost, $cacheHit)
            """;
        var p = command.Parameters;
        p.AddWithValue("$id", e.RequestId);
        p.AddWithValue("$time", (e.Time ?? Google.Protobuf.WellKnownTypes.Timestamp.FromDateTimeOffset(DateTimeOffset.UtcNow)).ToDateTimeOffset().ToUnixTimeMilliseconds());
        p.AddWithValue("$key", e.KeyId);
        p.AddWithValue("$user", e.User);
        p.AddWithValue("$project", e.Project);
        p.AddWithValue("$env", e.Env);
        p.AddWithValue("$group", e.Group);
        p.AddWithValue("$target", e.Target);
        p.AddWithValue("$model", e.UpstreamModel);
        p.AddWithValue("$endpoint", e.Endpoint);
        p.AddWithValue("$stream", e.Stream);
        p.AddWithValue("$bridged", e.Bridged);
        p.AddWithValue("$status", e.Status);
        p.AddWithValue("$latency", e.LatencyMs);
        p.AddWithValue("$ttfb", e.TimeToFirstByteMs);
        p.AddWithValue("$input", e.InputTokens);
        p.AddWithValue("$cached", e.CachedInputTokens);
        p.AddWithValue("$output", e.OutputTokens);
        p.AddWithValue("$reasoning", e.ReasoningTokens);
        p.AddWithValue("$hasImage", e.InputHasImage);
        p.AddWithValue("$images", e.ImageCount);
        p.AddWithValue("$textCost", e.HasTextCost ? e.TextCost : DBNull.Value);
        p.AddWithValue("$imageCost", e.HasImageCost ? e.ImageCost : DBNull.Value);
        p.AddWithValue("$cacheHit", e.CacheHit);
        return await command.ExecuteNonQueryAsync(cancellationToken) == 1;
    }

    /// <summary>Per-day rollups (UTC), oldest first, then the totals of the whole range.</summary>
    public async Task<(IReadOnlyList<UsageTotals> Days, UsageTotals Total)> QueryAsync(UsageFilter filter, CancellationToken cancellationToken)
    {
        await using var connection = Open();
        await using var command = connection.CreateCommand();
        var where = new List<string> { "time_ms >= $since", "time_ms < $until" };
        command.Parameters.AddWithValue("$since", filter.Since.ToUnixTimeMilliseconds());
        command.Parameters.AddWithValue("$until", filter.Until.ToUnixTimeMilliseconds());
        foreach (var (column, value) in new[] { ("project", filter.Project), ("user", filter.User), ("env", filter.Env), ("grp", filter.Group), ("target", filter.Target) })
        {
            if (!string.IsNullOrEmpty(value))
            {
                where.Add($"{column} = ${column}");
                command.Parameters.AddWithValue($"${column}", value);
            }
        }
        command.CommandText = $"""
            SELECT strftime('%Y-%m-%d', time_ms / 1000, 'unixepoch') AS day, COUNT(*), SUM(input_tokens), SUM(cached_input_tokens),
              SUM(output_tokens), SUM(reasoning_tokens), SUM(image_count), SUM(COALESCE(text_cost, 0) + COALESCE(image_cost, 0)),
              SUM(cache_hit), SUM(status >= 400)
            FROM usage_events WHERE {string.Join(" AND ", where)} GROUP BY day ORDER BY day
            """;
        var days = new List<UsageTotals>();
        await using (var reader = await command.ExecuteReaderAsync(cancellationToken))
        {
            while (await reader.ReadAsync(cancellationToken))
            {
                days.Add(new UsageTotals(reader.GetString(0), reader.GetInt64(1), reader.GetInt64(2), reader.GetInt64(3), reader.GetInt64(4),
                    reader.GetInt64(5), reader.GetInt64(6), reader.GetDouble(7), reader.GetInt64(8), reader.GetInt64(9)));
            }
        }
        var total = new UsageTotals("total", days.Sum(d => d.Requests), days.Sum(d => d.InputTokens), days.Sum(d => d.CachedInputTokens),
            days.Sum(d => d.OutputTokens), days.Sum(d => d.ReasoningTokens), days.Sum(d => d.Images), days.Sum(d => d.Cost),
            days.Sum(d => d.CacheHits), days.Sum(d => d.Errors));
        return (days, total);
    }

    /// <summary>Readiness: the database answers.</summary>
    public async Task PingAsync(CancellationToken cancellationToken)
    {
        await using var connection = Open();
        await using var command = connection.CreateCommand();
        command.CommandText = "SELECT COUNT(*) FROM usage_events WHERE 0";
        await command.ExecuteScalarAsync(cancellationToken);
    }

    private SqliteConnection Open()
    {
        var connection = new SqliteConnection(_connectionString);
        connection.Open();
        return connection;
    }

    private static void Execute(SqliteConnection connection, string sql)
    {
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        command.ExecuteNonQuery();
    }

    internal static string Format(double value) => value.ToString("0.######", CultureInfo.InvariantCulture);
}
