using System.Globalization;

namespace GenAiRouter.Bench.Load;

/// <summary>
/// What a process has used, from <c>/proc</c>: CPU time (user + system), resident memory, its proportional share
/// (PSS: pages shared with the other services, such as the .NET framework's, split between them instead of counted in
/// each) and context switches of its threads (each one a thread going to sleep or being put off a core).
/// </summary>
/// <param name="ContextSwitches">Per thread id: Linux keeps the count per thread, and a thread that ends takes its count with it.</param>
public readonly record struct ProcessUsage(TimeSpan Cpu, long RssBytes, long PssBytes, IReadOnlyDictionary<int, long> ContextSwitches)
{
    public static ProcessUsage None => new(TimeSpan.Zero, 0, 0, new Dictionary<int, long>());

    /// <summary>Context switches in all threads (after <see cref="Since"/>: those of the threads alive at the end; one that ended during the phase is not counted).</summary>
    public long TotalContextSwitches => ContextSwitches.Values.Sum();

    public static ProcessUsage operator +(ProcessUsage a, ProcessUsage b) =>
        new(a.Cpu + b.Cpu, a.RssBytes + b.RssBytes, a.PssBytes + b.PssBytes, a.ContextSwitches.Concat(b.ContextSwitches).ToDictionary(p => p.Key, p => p.Value));

    /// <summary>The CPU time and context switches since <paramref name="earlier"/>, with the memory as it is now.</summary>
    public ProcessUsage Since(ProcessUsage earlier) => this with
    {
        Cpu = Cpu - earlier.Cpu,
        ContextSwitches = ContextSwitches.ToDictionary(t => t.Key, t => t.Value - earlier.ContextSwitches.GetValueOrDefault(t.Key)),
    };

    public static ProcessUsage Read(int pid)
    {
        var stat = File.ReadAllText($"/proc/{pid}/stat");
        var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
        // Linux reports CPU time in clock ticks of 1/100 s.
        var cpu = TimeSpan.FromMilliseconds(10 * (Long(fields[11]) + Long(fields[12])));
        long rss = 0, pss = 0;
        foreach (var line in File.ReadLines($"/proc/{pid}/smaps_rollup"))
        {
            if (line.StartsWith("Rss:", StringComparison.Ordinal))
            {
                rss = Kilobytes(line);
            }
            else if (line.StartsWith("Pss:", StringComparison.Ordinal))
            {
                pss = Kilobytes(line);
            }
        }
        var switches = new Dictionary<int, long>();
        foreach (var task in Directory.EnumerateDirectories($"/proc/{pid}/task"))
        {
            try
            {
                switches[int.Parse(Path.GetFileName(task), CultureInfo.InvariantCulture)] = File.ReadLines(Path.Combine(task, "status"))
                    .Where(l => l.StartsWith("voluntary_ctxt_switches:", StringComparison.Ordinal) || l.StartsWith("nonvoluntary_ctxt_switches:", StringComparison.Ordinal))
                    .Sum(l => Long(l[(l.IndexOf(':') + 1)..].Trim()));
            }
            catch (IOException)
            {
                // The thread ended while its status was read.
            }
        }
        return new ProcessUsage(cpu, rss, pss, switches);
    }

    private static long Kilobytes(string line) => Long(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1]) * 1024;

    private static long Long(string text) => long.Parse(text, CultureInfo.InvariantCulture);
}
