using System.Globalization;
using GenAiRouter.Contracts.V1;
using GenAiRouter.Hosting;
using Microsoft.Data.Sqlite;
using Npgsql;
using System.Data;
using System.Data.Common;

namespace GenAiRouter.Usage;

/// <summary>A filter over stored usage: any of the caller's names, group, target, and a time range.</summary>
public sealed record UsageFilter(string? Project, string? User, string? Env, string? Group, string? Target, DateTimeOffset Since, DateTimeOffset Until)
{
    /// <summary>Only one caller token (its key id).</summary>
    public string? KeyId { get; init; }
}

/// <summary>Totals for one day (UTC) or for the whole range.</summary>
public sealed record UsageTotals(
    string Day, long Requests, long InputTokens, long CachedInputTokens, long CacheWriteTokens, long OutputTokens, long ReasoningTokens,
    long Images, double Cost, long CacheHits, long Errors);

/// <summary>
/// Usage events in a real database: PostgreSQL when <c>ROUTER_USAGE_DB</c> holds a connection string (a Secret in
/// Kubernetes), else SQLite in the data directory. Idempotent on the request id, so at-least-once delivery never
/// counts a request twice, and the totals do not depend on the order events arrive in. The schema is migrated on
/// start, under a lock, so replicas starting together do not race.
/// </summary>
public sealed class UsageStore
{
    public const string DatabaseVariable = "ROUTER_USAGE_DB";

    // Append only: each entry is applied once, in order, and recorded in schema_migrations.
    private static readonly string[] Migrations =
    [
        """
        CREATE TABLE usage_events (
          request_id TEXT PRIMARY KEY, time_ms BIGINT NOT NULL, key_id TEXT NOT NULL, user_name TEXT NOT NULL, project TEXT NOT NULL,
          env TEXT NOT NULL, grp TEXT NOT NULL, target TEXT NOT NULL, upstream_model TEXT NOT NULL, endpoint TEXT NOT NULL,
          stream INTEGER NOT NULL, bridged INTEGER NOT NULL, status INTEGER NOT NULL, latency_ms DOUBLE PRECISION NOT NULL,
          ttfb_ms DOUBLE PRECISION NOT NULL, input_tokens BIGINT NOT NULL, cached_input_tokens BIGINT NOT NULL, output_tokens BIGINT NOT NULL,
          reasoning_tokens BIGINT NOT NULL, input_has_image INTEGER NOT NULL, image_count INTEGER NOT NULL, text_cost DOUBLE PRECISION,
          image_cost DOUBLE PRECISION, cache_hit INTEGER NOT NULL);
        CREATE INDEX usage_by_time ON usage_events (time_ms);
        CREATE INDEX usage_by_project_time ON usage_events (project, time_ms);
        """,
        "ALTER TABLE usage_events ADD COLUMN cache_write_tokens BIGINT NOT NULL DEFAULT 0",
    ];

    private readonly DbDataSource _dataSource;
    private readonly UsageDialect _dialect;

    public UsageStore(DbDataSource dataSource, UsageDialect dialect)
    {
        (_dataSource, _dialect) = (dataSource, dialect);
        Migrate();
    }

    /// <summary>The database the configuration names: <c>ROUTER_USAGE_DB</c>, or SQLite in <c>ROUTER_DATA_DIR</c>.</summary>
    public static UsageStore Open(IConfiguration configuration)
    {
        if (configuration[DatabaseVariable] is { Length: > 0 } postgres)
        {
            NpgsqlDataSource dataSource;
            try
            {
                dataSource = NpgsqlDataSource.Create(postgres);
            }
            catch (ArgumentException)
            {
                // Not the parser's message: it may quote the string, password included.
                throw new StartupException($"{DatabaseVariable} is not a PostgreSQL connection string (Host=...;Database=...;Username=...;Password=...)");
            }
            return new UsageStore(dataSource, UsageDialect.Postgres);
        }
        var dataDir = configuration["ROUTER_DATA_DIR"] is { Length: > 0 } dir
            ? dir
            : throw new StartupException($"ROUTER_DATA_DIR must name a directory for the usage database (or set {DatabaseVariable} to use PostgreSQL)");
        Directory.CreateDirectory(dataDir);
        var sqlite = new SqliteConnectionStringBuilder { DataSource = Path.Combine(dataDir, "usage.db"), Pooling = true, DefaultTimeout = 10 }.ToString();
        return new UsageStore(SqliteFactory.Instance.CreateDataSource(sqlite), UsageDialect.Sqlite);
    }

    /// <returns>False when an event with this request id was already stored (a redelivery).</returns>
    public async Task<bool> StoreAsync(UsageEvent e, CancellationToken cancellationToken) => await StoreAsync([e], cancellationToken) == 1;

    /// <summary>What a stored event's row holds, column by column; the insert is built from this table.</summary>
    private static readonly (string Column, DbType Type, Func<UsageEvent, object?> Value)[] Columns =
    [
        ("request_id", DbType.String, e => e.RequestId),
        ("time_ms", DbType.Int64, e => (e.Time ?? Google.Protobuf.WellKnownTypes.Timestamp.FromDateTimeOffset(DateTimeOffset.UtcNow)).ToDateTimeOffset().ToUnixTimeMilliseconds()),
        ("key_id", DbType.String, e => e.KeyId),
        ("user_name", DbType.String, e => e.User),
        ("project", DbType.String, e => e.Project),
        ("env", DbType.String, e => e.Env),
        ("grp", DbType.String, e => e.Group),
        ("target", DbType.String, e => e.Target),
        ("upstream_model", DbType.String, e => e.UpstreamModel),
        ("endpoint", DbType.String, e => e.Endpoint),
        ("stream", DbType.Int32, e => e.Stream ? 1 : 0),
        ("bridged", DbType.Int32, e => e.Bridged ? 1 : 0),
        ("status", DbType.Int32, e => e.Status),
        ("latency_ms", DbType.Double, e => e.LatencyMs),
        ("ttfb_ms", DbType.Double, e => e.TimeToFirstByteMs),
        ("input_tokens", DbType.Int64, e => e.InputTokens),
        ("cached_input_tokens", DbType.Int64, e => e.CachedInputTokens),
        ("cache_write_tokens", DbType.Int64, e => e.CacheWriteInputTokens),
        ("output_tokens", DbType.Int64, e => e.OutputTokens),
        ("reasoning_tokens", DbType.Int64, e => e.ReasoningTokens),
        ("input_has_image", DbType.Int32, e => e.InputHasImage ? 1 : 0),
        ("image_count", DbType.Int32, e => e.ImageCount),
        ("text_cost", DbType.Double, e => e.HasTextCost ? e.TextCost : null),
        ("image_cost", DbType.Double, e => e.HasImageCost ? e.ImageCost : null),
        ("cache_hit", DbType.Int32, e => e.CacheHit ? 1 : 0),
    ];

    private static readonly string InsertSql =
        $"INSERT INTO usage_events ({string.Join(", ", Columns.Select(c => c.Column))}) VALUES ({string.Join(", ", Columns.Select(c => "@" + c.Column))}) ON CONFLICT (request_id) DO NOTHING";

    /// <summary>
    /// Stores a batch in one transaction (one commit for the lot) with one prepared statement whose parameters are
    /// rebound per event; redelivered events are skipped.
    /// </summary>
    /// <returns>How many of the events were new.</returns>
    public async Task<int> StoreAsync(IReadOnlyList<UsageEvent> events, CancellationToken cancellationToken)
    {
        await using var connection = await _dataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        await using var command = connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = InsertSql;
        foreach (var (column, type, _) in Columns)
        {
            var parameter = command.CreateParameter();
            // Named as the SQL names it: Microsoft.Data.Sqlite otherwise retries each prefix per parameter per row.
            (parameter.ParameterName, parameter.DbType) = ("@" + column, type);
            command.Parameters.Add(parameter);
        }
        await command.PrepareAsync(cancellationToken);
        var stored = 0;
        foreach (var e in events)
        {
            for (var i = 0; i < Columns.Length; i++)
            {
                command.Parameters[i].Value = Columns[i].Value(e) ?? DBNull.Value;
            }
            stored += await command.ExecuteNonQueryAsync(cancellationToken);
        }
        await transaction.CommitAsync(cancellationToken);
        return stored;
    }

    /// <summary>Per-day rollups (UTC), oldest first, then the totals of the whole range.</summary>
    public async Task<(IReadOnlyList<UsageTotals> Days, UsageTotals Total)> QueryAsync(UsageFilter filter, CancellationToken cancellationToken)
    {
        await using var command = _dataSource.CreateCommand();
        var where = new List<string> { "time_ms >= @since", "time_ms < @until" };
        Add(command, "since", filter.Since.ToUnixTimeMilliseconds());
        Add(command, "until", filter.Until.ToUnixTimeMilliseconds());
        foreach (var (column, value) in new[] { ("project", filter.Project), ("user_name", filter.User), ("env", filter.Env), ("grp", filter.Group), ("target", filter.Target), ("key_id", filter.KeyId) })
        {
            if (!string.IsNullOrEmpty(value))
            {
                where.Add($"{column} = @{column}");
                Add(command, column, value);
            }
        }
        command.CommandText = $"""
            SELECT {_dialect.DayOf("time_ms")} AS day, COUNT(*), CAST(SUM(input_tokens) AS BIGINT), CAST(SUM(cached_input_tokens) AS BIGINT),
              CAST(SUM(cache_write_tokens) AS BIGINT),
              CAST(SUM(output_tokens) AS BIGINT), CAST(SUM(reasoning_tokens) AS BIGINT), CAST(SUM(image_count) AS BIGINT),
              CAST(SUM(COALESCE(text_cost, 0) + COALESCE(image_cost, 0)) AS DOUBLE PRECISION),
              CAST(SUM(cache_hit) AS BIGINT), CAST(SUM(CASE WHEN status >= 400 THEN 1 ELSE 0 END) AS BIGINT)
            FROM usage_events WHERE {string.Join(" AND ", where)} GROUP BY day ORDER BY day
            """;
        var days = new List<UsageTotals>();
        await using (var reader = await command.ExecuteReaderAsync(cancellationToken))
        {
            while (await reader.ReadAsync(cancellationToken))
            {
                days.Add(new UsageTotals(reader.GetString(0), reader.GetInt64(1), reader.GetInt64(2), reader.GetInt64(3), reader.GetInt64(4),
                    reader.GetInt64(5), reader.GetInt64(6), reader.GetInt64(7), reader.GetDouble(8), reader.GetInt64(9), reader.GetInt64(10)));
            }
        }
        var total = new UsageTotals("total", days.Sum(d => d.Requests), days.Sum(d => d.InputTokens), days.Sum(d => d.CachedInputTokens),
            days.Sum(d => d.CacheWriteTokens), days.Sum(d => d.OutputTokens), days.Sum(d => d.ReasoningTokens), days.Sum(d => d.Images), days.Sum(d => d.Cost),
            days.Sum(d => d.CacheHits), days.Sum(d => d.Errors));
        return (days, total);
    }

    /// <summary>Readiness: the database answers.</summary>
    public async Task PingAsync(CancellationToken cancellationToken)
    {
        await using var command = _dataSource.CreateCommand("SELECT 1 FROM usage_events WHERE 1 = 0");
        await command.ExecuteScalarAsync(cancellationToken);
    }

    private void Migrate()
    {
        using var connection = _dataSource.OpenConnection();
        foreach (var setup in _dialect.ConnectionSetup)
        {
            Execute(connection, null, setup);
        }
        using var transaction = connection.BeginTransaction();
        Execute(connection, transaction, _dialect.MigrationLock);
        Execute(connection, transaction, "CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY)");
        using var read = connection.CreateCommand();
        read.Transaction = transaction;
        read.CommandText = "SELECT COALESCE(MAX(version), 0) FROM schema_migrations";
        var applied = Convert.ToInt32(read.ExecuteScalar(), CultureInfo.InvariantCulture);
        for (var version = applied + 1; version <= Migrations.Length; version++)
        {
            Execute(connection, transaction, Migrations[version - 1]);
            Execute(connection, transaction, $"INSERT INTO schema_migrations (version) VALUES ({version})");
        }
        transaction.Commit();
    }

    private static void Execute(DbConnection connection, DbTransaction? transaction, string sql)
    {
        if (sql.Length == 0)
        {
            return;
        }
        using var command = connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = sql;
        command.ExecuteNonQuery();
    }

    private static void Add(DbCommand command, string name, object? value)
    {
        var parameter = command.CreateParameter();
        parameter.ParameterName = "@" + name;
        parameter.Value = value ?? DBNull.Value;
        command.Parameters.Add(parameter);
    }

    internal static string Format(double value) => value.ToString("0.######", CultureInfo.InvariantCulture);
}

/// <summary>Where the two databases differ; everything else is one SQL text.</summary>
public sealed record UsageDialect(Func<string, string> DayOf, string MigrationLock, IReadOnlyList<string> ConnectionSetup)
{
    public static UsageDialect Sqlite { get; } = new(
        column => $"strftime('%Y-%m-%d', {column} / 1000, 'unixepoch')",
        // A write lock for the migration transaction: the first statement that writes takes it.
        "",
        ["PRAGMA journal_mode=WAL"]);

    public static UsageDialect Postgres { get; } = new(
        column => $"to_char(to_timestamp({column} / 1000.0) AT TIME ZONE 'UTC', 'YYYY-MM-DD')",
        // Any constant both replicas agree on; released when the migration transaction ends.
        "SELECT pg_advisory_xact_lock(7352001)",
        []);
}
