namespace GenAiRouter.Cli;

/// <summary>Plain aligned columns for terminal listings.</summary>
public static class Table
{
    public static void Print(IReadOnlyList<string> headers, IReadOnlyList<string[]> rows)
    {
        var widths = headers.Select((h, i) => rows.Select(r => r[i].Length).Append(h.Length).Max()).ToArray();
        Console.WriteLine(Line(headers, widths));
        foreach (var row in rows)
        {
            Console.WriteLine(Line(row, widths));
        }
        if (rows.Count == 0)
        {
            Console.WriteLine("(none)");
        }
    }

    private static string Line(IReadOnlyList<string> cells, int[] widths) =>
        string.Join("  ", cells.Select((c, i) => c.PadRight(widths[i]))).TrimEnd();
}
