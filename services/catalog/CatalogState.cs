using System.Diagnostics.Metrics;
using System.Security.Cryptography;
using GenAiRouter.Contracts.V1;
using GenAiRouter.Hosting;
using GenAiRouter.RouterConfig;

namespace GenAiRouter.Catalog;

/// <summary>
/// The current catalog snapshot, built from the router configuration file (<c>ROUTER_CONFIG</c>) and the prompt files
/// it names. Loaded at start-up, so a bad file stops the service; then re-read whenever their content changes (a ConfigMap update
/// swaps a symlink, so the content is polled rather than watched). New content is applied only once it reads
/// the same on two polls in a row, so a file caught half-written is never taken for a smaller catalog.
/// A bad reload keeps the last good snapshot.
/// </summary>
public sealed partial class CatalogState(IConfiguration configuration, IMeterFactory meters, ILogger<CatalogState> logger) : BackgroundService
{
    private readonly Counter<long> _reloadFailures = meters.Create("GenAiRouter.Catalog").CreateCounter<long>("router.catalog.reload_failures", "{reload}",
        "Configuration changes that could not be used (the last good catalog stayed)");

    private readonly string _path = RouterConfigFile.Path(configuration);
    private readonly TimeSpan _interval = TimeSpan.FromMilliseconds(configuration.GetValue("Router:Catalog:ReloadMilliseconds", 2000));
    private CatalogSnapshot? _current;
    private byte[] _seen = [];
    private byte[] _candidate = [];
    private IReadOnlyList<string> _prompts = [];
    private TaskCompletionSource _changed = NewSignal();

    public CatalogSnapshot Current => Volatile.Read(ref _current) ?? throw new InvalidOperationException("the catalog is read before the service started");

    /// <summary>Completes once a snapshot newer than <paramref name="version"/> is current.</summary>
    public async Task WaitForNewerAsync(long version, CancellationToken cancellationToken)
    {
        while (Current.Version <= version)
        {
            await Volatile.Read(ref _changed).Task.WaitAsync(cancellationToken);
        }
    }

    public override Task StartAsync(CancellationToken cancellationToken)
    {
        var text = File.Exists(_path) ? File.ReadAllBytes(_path) : [];
        var config = RouterConfigLoader.Load(_path);
        _prompts = PromptFiles(config);
        Publish(CatalogSnapshotBuilder.Build(config, version: 1), WithPrompts(text));
        CatalogLoaded(logger, 1, Current.Groups.Count);
        return base.StartAsync(cancellationToken);
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(_interval);
        while (await timer.WaitForNextTickAsync(stoppingToken))
        {
            byte[] text;
            try
            {
                text = await File.ReadAllBytesAsync(_path, stoppingToken);
            }
            catch (IOException e)
            {
                _reloadFailures.Add(1);
                ReloadFailed(logger, Current.Version, _path, e.Message);
                continue;
            }
            var hash = SHA256.HashData(WithPrompts(text));
            if (hash.AsSpan().SequenceEqual(_seen))
            {
                continue;
            }
            if (!hash.AsSpan().SequenceEqual(_candidate))
            {
                _candidate = hash;
                continue;
            }
            try
            {
                var config = RouterConfigLoader.Parse(System.Text.Encoding.UTF8.GetString(text), _path);
                _prompts = PromptFiles(config);
                Publish(CatalogSnapshotBuilder.Build(config, Current.Version + 1), WithPrompts(text));
                CatalogLoaded(logger, Current.Version, Current.Groups.Count);
            }
            catch (RouterConfigException e)
            {
                // Remember the bad content so the same problem is logged once, not every tick.
                _seen = hash;
                _reloadFailures.Add(1);
                ReloadFailed(logger, Current.Version, _path, string.Join("; ", e.Problems));
            }
        }
    }

    private void Publish(CatalogSnapshot snapshot, byte[] text)
    {
        _seen = SHA256.HashData(text);
        Volatile.Write(ref _current, snapshot);
        Interlocked.Exchange(ref _changed, NewSignal()).TrySetResult();
    }

    /// <summary>The configuration's content and that of the prompt files it names: a change to any is a change.</summary>
    private byte[] WithPrompts(byte[] config)
    {
        var parts = new List<byte[]> { config };
        foreach (var prompt in _prompts)
        {
            try
            {
                parts.Add(File.ReadAllBytes(prompt));
            }
            catch (IOException)
            {
                parts.Add([]);
            }
        }
        return [.. parts.SelectMany(p => p)];
    }

    private static List<string> PromptFiles(RouterConfig.RouterConfig config) =>
        [.. config.Groups.Values.Select(g => g.InstructionsFile).Append(config.InstructionsFile).OfType<string>().Distinct(StringComparer.Ordinal)];

    private static TaskCompletionSource NewSignal() => new(TaskCreationOptions.RunContinuationsAsynchronously);

    [LoggerMessage(Level = LogLevel.Information, Message = "Catalog version {CatalogVersion} loaded: {GroupCount} groups")]
    private static partial void CatalogLoaded(ILogger logger, long catalogVersion, int groupCount);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Kept catalog version {CatalogVersion}: {ConfigPath} cannot be used: {Problem}")]
    private static partial void ReloadFailed(ILogger logger, long catalogVersion, string configPath, string problem);
}
