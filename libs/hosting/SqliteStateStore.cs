using System.Globalization;
using Microsoft.Data.Sqlite;

namespace GenAiRouter.Hosting;

/// <summary>
/// The standalone durable state store: one SQLite file, so what it holds (caller tokens) survives a restart
/// of <c>genai-router up</c>. Each write is one statement, so concurrent writers never lose an update.
/// </summary>
public sealed class SqliteStateStore : IStateStore
{
    private readonly string _connectionString;
    private readonly TimeProvider _time;

    public SqliteStateStore(string path, TimeProvider time)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(path))!);
        _connectionString = new SqliteConnectionStringBuilder { DataSource = path, Pooling = true, DefaultTimeout = 10 }.ToString();
        _time = time;
        using var connection = Open();
        Execute(connection, "PRAGMA journal_mode=WAL;");
        Execute(connection, "CREATE TABLE IF NOT EXISTS state (key TEXT PRIMARY KEY, value BLOB NOT NULL, version INTEGER NOT NULL, expires_at INTEGER)");
    }

    public async Task<byte[]?> GetAsync(string key, CancellationToken cancellationToken) =>
        (await GetEntryAsync(key, cancellationToken))?.Value;

    public async Task<StateEntry?> GetEntryAsync(string key, CancellationToken cancellationToken)
    {
        await using var connection = Open();
        await using var command = Command(connection, "SELECT value, version FROM state WHERE key = $key AND (expires_at IS NULL OR expires_at > $now)", key);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        return await reader.ReadAsync(cancellationToken)
            ? new StateEntry((byte[])reader[0], reader.GetInt64(1).ToString(CultureInfo.InvariantCulture))
            : null;
    }

    public async Task SetAsync(string key, ReadOnlyMemory<byte> value, TimeSpan? timeToLive, CancellationToken cancellationToken)
    {
        await using var connection = Open();
        await using var command = Command(connection,
            """
            INSERT INTO state (key, value, version, expires_at) VALUES ($key, $value, 1, $expires)
            ON CONFLICT(key) DO UPDATE SET value = $value, version = version + 1, expires_at = $expires
            """, key);
        command.Parameters.AddWithValue("$value", value.ToArray());
        command.Parameters.AddWithValue("$expires", timeToLive is { } ttl ? (_time.GetUtcNow() + ttl).ToUnixTimeMilliseconds() : DBNull.Value);
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    public async Task<bool> TrySetAsync(string key, ReadOnlyMemory<byte> value, string? etag, CancellationToken cancellationToken)
    {
        await using var connection = Open();
        await using var command = etag is null
            ? Command(connection,
                """
                INSERT INTO state (key, value, version, expires_at) VALUES ($key, $value, 1, NULL)
                ON CONFLICT(key) DO UPDATE SET value = $value, version = version + 1, expires_at = NULL
                WHERE expires_at IS NOT NULL AND expires_at <= $now
                """, key)
            : Command(connection,
                "UPDATE state SET value = $value, version = version + 1, expires_at = NULL WHERE key = $key AND version = $version AND (expires_at IS NULL OR expires_at > $now)",
                key);
        command.Parameters.AddWithValue("$value", value.ToArray());
        if (etag is not null)
        {
            command.Parameters.AddWithValue("$version", long.TryParse(etag, CultureInfo.InvariantCulture, out var version) ? version : -1);
        }
        return await command.ExecuteNonQueryAsync(cancellationToken) == 1;
    }

    public async Task DeleteAsync(string key, CancellationToken cancellationToken)
    {
        await using var connection = Open();
        await using var command = Command(connection, "DELETE FROM state WHERE key = $key", key);
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    private SqliteConnection Open()
    {
        var connection = new SqliteConnection(_connectionString);
        connection.Open();
        return connection;
    }

    private SqliteCommand Command(SqliteConnection connection, string sql, string key)
    {
        var command = connection.CreateCommand();
        command.CommandText = sql;
        command.Parameters.AddWithValue("$key", key);
        command.Parameters.AddWithValue("$now", _time.GetUtcNow().ToUnixTimeMilliseconds());
        return command;
    }

    private static void Execute(SqliteConnection connection, string sql)
    {
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        command.ExecuteNonQuery();
    }
}
