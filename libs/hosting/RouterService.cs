using Microsoft.AspNetCore.Builder;
using Serilog;

namespace GenAiRouter.Hosting;

/// <summary>The life of one router service process, from configuration to graceful shutdown.</summary>
public static class RouterService
{
    /// <summary>
    /// Builds and runs a service: <paramref name="configure"/> adds its parts, <paramref name="map"/> its endpoints.
    /// A start-up problem the operator must fix (bad configuration, a port in use) is printed as one line and
    /// ends the process with exit code 2, without a stack trace. SIGTERM and Ctrl-C stop it gracefully.
    /// </summary>
    public static async Task<int> RunAsync(string[] args, string appId, Action<WebApplicationBuilder> configure, Action<WebApplication> map)
    {
        try
        {
            var builder = WebApplication.CreateBuilder(args);
            builder.AddServiceDefaults(appId);
            configure(builder);
            await using var app = builder.Build();
            app.MapServiceDefaults();
            map(app);
            await app.RunAsync();
            return 0;
        }
        catch (Exception e) when (StartupProblem(e) is { } problem)
        {
            await Console.Error.WriteLineAsync($"error: {appId}: {problem}");
            return 2;
        }
        finally
        {
            await Log.CloseAndFlushAsync();
        }
    }

    private static string? StartupProblem(Exception e) => e switch
    {
        StartupException or RouterConfig.RouterConfigException => e.Message,
        IOException { InnerException: Microsoft.AspNetCore.Connections.AddressInUseException } =>
            $"{e.Message.TrimEnd('.')}: another program is using that port",
        AggregateException { InnerExceptions.Count: 1 } a => StartupProblem(a.InnerException!),
        _ => null,
    };

}
