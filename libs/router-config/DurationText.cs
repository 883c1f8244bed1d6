using System.Globalization;

namespace GenAiRouter.RouterConfig;

/// <summary>Durations as people write them in config and on the command line: 90s, 10m, 2h, 30d.</summary>
public static class DurationText
{
    public static bool TryParse(string? text, out TimeSpan duration)
    {
        duration = default;
        if (string.IsNullOrWhiteSpace(text) || text.Length < 2)
        {
            return false;
        }
        if (!long.TryParse(text.AsSpan(0, text.Length - 1), NumberStyles.None, CultureInfo.InvariantCulture, out var n))
        {
            return false;
        }
        TimeSpan? parsed = text[^1] switch
        {
            's' => TimeSpan.FromSeconds(n),
            'm' => TimeSpan.FromMinutes(n),
            'h' => TimeSpan.FromHours(n),
            'd' => TimeSpan.FromDays(n),
            _ => null,
        };
        if (parsed is not { } value || value <= TimeSpan.Zero)
        {
            return false;
        }
        duration = value;
        return true;
    }
}
