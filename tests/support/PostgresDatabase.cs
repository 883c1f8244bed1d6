using Npgsql;

namespace GenAiRouter.TestSupport;

/// <summary>
/// The PostgreSQL server .ci/run installs and starts (Debian package <c>postgresql</c>), named by
/// <c>ROUTER_TEST_POSTGRES</c>. Each test gets a database of its own, dropped afterwards.
/// </summary>
public sealed class PostgresDatabase : IAsyncDisposable
{
    private const string Variable = "ROUTER_TEST_POSTGRES";
    private readonly string _admin;

    private PostgresDatabase(string admin, string name)
    {
        _admin = admin;
        ConnectionString = new NpgsqlConnectionStringBuilder(admin) { Database = name }.ToString();
    }

    /// <summary>What the router takes in <c>ROUTER_USAGE_DB</c>.</summary>
    public string ConnectionString { get; }

    /// <summary>
    /// A fresh database. Without <c>ROUTER_TEST_POSTGRES</c> the calling test is skipped, saying why; when it is set
    /// but the server does not answer, the test fails, so a broken CI server is never mistaken for a skip.
    /// </summary>
    public static async Task<PostgresDatabase> CreateAsync()
    {
        var admin = Environment.GetEnvironmentVariable(Variable)
            ?? throw Xunit.Sdk.SkipException.ForSkip($"{Variable} is not set (.ci/run installs PostgreSQL and sets it); the PostgreSQL tests did not run");
        var name = "router_test_" + Guid.NewGuid().ToString("N")[..12];
        await using var connection = new NpgsqlConnection(admin);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand($"CREATE DATABASE {name}", connection);
        await command.ExecuteNonQueryAsync();
        return new PostgresDatabase(admin, name);
    }

    /// <summary>Takes the database away from its clients (existing sessions ended, new ones refused), or gives it back.</summary>
    public async Task SetAvailableAsync(bool available)
    {
        await using var connection = new NpgsqlConnection(_admin);
        await connection.OpenAsync();
        var name = new NpgsqlConnectionStringBuilder(ConnectionString).Database;
        await using (var command = new NpgsqlCommand($"ALTER DATABASE {name} ALLOW_CONNECTIONS {(available ? "true" : "false")}", connection))
        {
            await command.ExecuteNonQueryAsync();
        }
        if (!available)
        {
            await using var terminate = new NpgsqlCommand($"SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '{name}'", connection);
            await terminate.ExecuteNonQueryAsync();
        }
    }

    public async ValueTask DisposeAsync()
    {
        NpgsqlConnection.ClearAllPools();
        await using var connection = new NpgsqlConnection(_admin);
        await connection.OpenAsync();
        var name = new NpgsqlConnectionStringBuilder(ConnectionString).Database;
        await using var command = new NpgsqlCommand($"DROP DATABASE IF EXISTS {name} WITH (FORCE)", connection);
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                await command.ExecuteNonQueryAsync();
                return;
            }
            catch (PostgresException e) when (attempt < 20 && e.SqlState is PostgresErrorCodes.InsufficientPrivilege or PostgresErrorCodes.ObjectInUse)
            {
                // A background worker (autovacuum) still on the database, which only a superuser may end: it finishes soon.
                await Task.Delay(250);
            }
        }
    }
}
