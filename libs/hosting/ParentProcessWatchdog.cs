using System.Diagnostics;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace GenAiRouter.Hosting;

/// <summary>
/// Stops the service when the process that started it (<c>ROUTER_PARENT_PID</c>, set by <c>genai-router up</c>)
/// is gone, so that even a killed supervisor leaves no orphan services behind.
/// </summary>
public sealed partial class ParentProcessWatchdog(IConfiguration configuration, IHostApplicationLifetime lifetime, ILogger<ParentProcessWatchdog> logger)
    : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (!int.TryParse(configuration["ROUTER_PARENT_PID"], out var pid))
        {
            return;
        }
        using var timer = new PeriodicTimer(TimeSpan.FromMilliseconds(500));
        while (await timer.WaitForNextTickAsync(stoppingToken))
        {
            if (!IsAlive(pid))
            {
                ParentGone(logger, pid);
                lifetime.StopApplication();
                return;
            }
        }
    }

    private static bool IsAlive(int pid)
    {
        try
        {
            using var parent = Process.GetProcessById(pid);
            return !parent.HasExited;
        }
        catch (ArgumentException)
        {
            return false;
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "The supervising process {ParentPid} is gone; stopping")]
    private static partial void ParentGone(ILogger logger, int parentPid);
}
