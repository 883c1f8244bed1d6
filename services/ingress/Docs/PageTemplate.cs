using System.Net;
using System.Text;

namespace GenAiRouter.Ingress.Docs;

/// <summary>What a docs page says that depends on the request or the deployment, filled in when it is served.</summary>
public enum PageSlot
{
    /// <summary>The router's root URL as the reader's browser sees it (<see cref="PublicAddress"/>).</summary>
    RouterUrl,
    /// <summary>A group to show in examples.</summary>
    Group,
    /// <summary>Who to ask for access (<c>docs.contact</c>).</summary>
    Contact,
}

/// <summary>The values a page is served with.</summary>
public sealed record PageValues(string RouterUrl, string Group, string Contact);

/// <summary>
/// A page rendered once at start-up, cut where request-time values go (<c>{{ROUTER_URL}}</c>, <c>{{GROUP}}</c>,
/// <c>{{CONTACT}}</c> in the sources). Each value is HTML-encoded and marked with a class, so the page's script can
/// put the browser's own address (and the group a reader picks) in the same places.
/// </summary>
public sealed class PageTemplate
{
    private static readonly (string Marker, PageSlot Slot)[] Markers =
        [("{{ROUTER_URL}}", PageSlot.RouterUrl), ("{{GROUP}}", PageSlot.Group), ("{{CONTACT}}", PageSlot.Contact)];

    private readonly List<(string Literal, PageSlot? Slot)> _parts = [];

    public PageTemplate(string html)
    {
        var at = 0;
        while (true)
        {
            var (index, marker, slot) = NextMarker(html, at);
            if (index < 0)
            {
                _parts.Add((html[at..], null));
                return;
            }
            _parts.Add((html[at..index], slot));
            at = index + marker.Length;
        }
    }

    public string Render(PageValues values)
    {
        var html = new StringBuilder(_parts.Sum(p => p.Literal.Length) + 1024);
        foreach (var (literal, slot) in _parts)
        {
            html.Append(literal);
            switch (slot)
            {
                case PageSlot.RouterUrl:
                    html.Append("<span class=\"router-url\">").Append(WebUtility.HtmlEncode(values.RouterUrl)).Append("</span>");
                    break;
                case PageSlot.Group:
                    html.Append("<span class=\"router-group\">").Append(WebUtility.HtmlEncode(values.Group)).Append("</span>");
                    break;
                case PageSlot.Contact:
                    html.Append("<span class=\"contact\">").Append(WebUtility.HtmlEncode(values.Contact)).Append("</span>");
                    break;
            }
        }
        return html.ToString();
    }

    /// <summary>Fills the markers in plain text (a snippet as a test or a terminal takes it).</summary>
    public static string Fill(string text, PageValues values) => text
        .Replace("{{ROUTER_URL}}", values.RouterUrl, StringComparison.Ordinal)
        .Replace("{{GROUP}}", values.Group, StringComparison.Ordinal)
        .Replace("{{CONTACT}}", values.Contact, StringComparison.Ordinal);

    private static (int Index, string Marker, PageSlot Slot) NextMarker(string html, int from)
    {
        var best = (Index: -1, Marker: "", Slot: PageSlot.RouterUrl);
        foreach (var (marker, slot) in Markers)
        {
            var index = html.IndexOf(marker, from, StringComparison.Ordinal);
            if (index >= 0 && (best.Index < 0 || index < best.Index))
            {
                best = (index, marker, slot);
            }
        }
        return best;
    }
}
