using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Runtime.InteropServices;
using System.Text;

namespace GenAiRouter.TestSupport;

/// <summary>A real router process (the CLI or one service) started the way a user or the CLI starts it.</summary>
public sealed partial class RouterProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly StringBuilder _stdout = new();
    private readonly StringBuilder _stderr = new();

    private RouterProcess(Process process)
    {
        _process = process;
        _process.OutputDataReceived += (_, e) => Append(_stdout, e.Data);
        _process.ErrorDataReceived += (_, e) => Append(_stderr, e.Data);
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();
    }

    public int Id => _process.Id;

    public string Stdout => Read(_stdout);

    public string Stderr => Read(_stderr);

    public static string RepoRoot { get; } = FindRepoRoot();

    /// <summary>Runs <c>genai-router</c> with <paramref name="args"/>, as the repository script does.</summary>
    public static RouterProcess Cli(params string[] args) => Cli(new Dictionary<string, string>(), args);

    public static RouterProcess Cli(Dictionary<string, string> environment, params string[] args) =>
        Start(Built("GenAiRouter.Cli"), args, new Dictionary<string, string>(environment) { ["ROUTER_HOME"] = RepoRoot });

    /// <summary>Runs one service on its own, as `up` or a container would.</summary>
    public static RouterProcess Service(string project, Dictionary<string, string> environment) => Start(Built(project), [], environment);

    public async Task<int> WaitForExitAsync(TimeSpan timeout)
    {
        using var cts = new CancellationTokenSource(timeout);
        await _process.WaitForExitAsync(cts.Token);
        return _process.ExitCode;
    }

    /// <summary>Waits until standard output contains <paramref name="text"/>, or fails with what was printed.</summary>
    public async Task WaitForOutputAsync(string text, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (!Stdout.Contains(text, StringComparison.Ordinal))
        {
            if (_process.HasExited || DateTime.UtcNow > deadline)
            {
                Assert.Fail($"never printed '{text}' (exited: {_process.HasExited})\nstdout:\n{Stdout}\nstderr:\n{Stderr}");
            }
            await Task.Delay(100);
        }
    }

    public void Signal(int signal) => Assert.Equal(0, Kill(_process.Id, signal));

    /// <summary>The processes this one started, read from /proc.</summary>
    public IReadOnlyList<int> Children() =>
        Directory.EnumerateDirectories("/proc")
            .Select(Path.GetFileName)
            .Where(name => int.TryParse(name, out _))
            .Select(name => int.Parse(name!, CultureInfo.InvariantCulture))
            .Where(pid => ParentOf(pid) == _process.Id)
            .ToList();

    public static bool IsRunning(int pid) => File.Exists($"/proc/{pid}/stat") && State(pid) is not ('Z' or 'X' or null);

    /// <summary>
    /// A base port such that it and the next ones are free on loopback. Ranges are handed out in turn below the
    /// kernel's ephemeral ports (32768+), so parallel tests and outgoing connections never collide with them.
    /// </summary>
    public static int FreePortRange(int count = 10)
    {
        for (var attempt = 0; attempt < 100; attempt++)
        {
            var start = Interlocked.Add(ref s_nextPort, 10) - 10;
            if (start + count >= 32768)
            {
                Interlocked.Exchange(ref s_nextPort, 20000);
                continue;
            }
            if (Enumerable.Range(start, count).All(IsFree))
            {
                return start;
            }
        }
        throw new InvalidOperationException("no free port range on loopback");
    }

    private static int s_nextPort = Random.Shared.Next(2000, 3000) * 10;

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync();
        }
        _process.Dispose();
    }

    private static bool IsFree(int port)
    {
        try
        {
            using var listener = new TcpListener(IPAddress.Loopback, port);
            listener.Start();
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
    }

    private static RouterProcess Start(string assembly, string[] args, Dictionary<string, string> environment)
    {
        var start = new ProcessStartInfo("dotnet")
        {
            UseShellExecute = false,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
        };
        start.ArgumentList.Add(assembly);
        foreach (var arg in args)
        {
            start.ArgumentList.Add(arg);
        }
        foreach (var (key, value) in environment)
        {
            start.Environment[key] = value;
        }
        return new RouterProcess(Process.Start(start)!);
    }

    private static string Built(string project)
    {
        var own = new DirectoryInfo(AppContext.BaseDirectory.TrimEnd(Path.DirectorySeparatorChar));
        return Path.Combine(own.Parent!.Parent!.FullName, project, own.Name, project + ".dll");
    }

    private static string FindRepoRoot()
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "GenAiRouter.sln")))
        {
            dir = dir.Parent;
        }
        return dir?.FullName ?? throw new InvalidOperationException("not inside the repository");
    }

    private static int? ParentOf(int pid) => StatFields(pid) is { } fields ? int.Parse(fields[1], CultureInfo.InvariantCulture) : null;

    private static char? State(int pid) => StatFields(pid) is { } fields ? fields[0][0] : null;

    // /proc/<pid>/stat: "pid (comm) state ppid ..."; comm may hold spaces, so split after the last ')'.
    private static string[]? StatFields(int pid)
    {
        try
        {
            var stat = File.ReadAllText($"/proc/{pid}/stat");
            return stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
        }
        catch (IOException)
        {
            return null;
        }
    }

    private static void Append(StringBuilder buffer, string? line)
    {
        if (line is null)
        {
            return;
        }
        lock (buffer)
        {
            buffer.AppendLine(line);
        }
    }

    private static string Read(StringBuilder buffer)
    {
        lock (buffer)
        {
            return buffer.ToString();
        }
    }

    [LibraryImport("libc", EntryPoint = "kill", SetLastError = true)]
    private static partial int Kill(int pid, int signal);
}
