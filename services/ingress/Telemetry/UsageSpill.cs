using GenAiRouter.Contracts.V1;
using Google.Protobuf;

namespace GenAiRouter.Ingress.Telemetry;

/// <summary>
/// Usage events that could not be published (the pipeline away at shutdown, or the queue full), kept in files in the
/// data directory (<c>usage-spill/</c>) and sent on the next start. A file appears whole (written, then renamed) and is
/// deleted only once its events were published; a redelivery is harmless, the usage store counts a request once.
/// </summary>
public sealed class UsageSpill(string? dataDir)
{
    private readonly string? _directory = dataDir is null ? null : Path.Combine(dataDir, "usage-spill");
    private readonly Lock _writing = new();

    /// <summary>False without a data directory (nowhere to keep events): then what cannot be published is dropped, and said so.</summary>
    public bool Enabled => _directory is not null;

    public void Write(IReadOnlyCollection<UsageEvent> events)
    {
        if (_directory is null || events.Count == 0)
        {
            return;
        }
        lock (_writing)
        {
            Directory.CreateDirectory(_directory);
            var name = $"{DateTime.UtcNow:yyyyMMddTHHmmssfff}-{Environment.ProcessId}-{Guid.NewGuid():N}";
            var temporary = Path.Combine(_directory, name + ".tmp");
            using (var file = File.Create(temporary))
            {
                foreach (var usage in events)
                {
                    usage.WriteDelimitedTo(file);
                }
                file.Flush(flushToDisk: true);
            }
            File.Move(temporary, Path.Combine(_directory, name + ".pb"));
        }
    }

    /// <summary>The spilled files, oldest first, with their events.</summary>
    public IEnumerable<(string File, List<UsageEvent> Events)> Read()
    {
        if (_directory is null || !Directory.Exists(_directory))
        {
            yield break;
        }
        foreach (var path in Directory.EnumerateFiles(_directory, "*.pb").Order(StringComparer.Ordinal))
        {
            var events = new List<UsageEvent>();
            using (var file = File.OpenRead(path))
            {
                while (file.Position < file.Length)
                {
                    events.Add(UsageEvent.Parser.ParseDelimitedFrom(file));
                }
            }
            yield return (path, events);
        }
    }

    public static void Delete(string file) => File.Delete(file);
}
