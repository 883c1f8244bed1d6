using System.Text.Json;
using System.Text.RegularExpressions;
using Microsoft.AspNetCore.Http;

namespace GenAiRouter.Cli.Tests;

/// <summary>How a scripted model behind a group breaks, for `validate` to catch.</summary>
public enum Breakage
{
    None,
    /// <summary>Calls the shell tool with arguments that are not JSON.</summary>
    ToolCalls,
    /// <summary>Cuts every streamed answer after its first words.</summary>
    Streams,
    /// <summary>Answers as if no image were attached.</summary>
    Images,
}

/// <summary>
/// A Responses upstream that does what `validate`'s prompts ask, as a capable model would: repeats the word it is asked
/// to, calls the client's shell tool with the command it is given and reports what it printed, reads the merchant off
/// an attached receipt. Claude Code reaches it through the Messages door, translated.
/// </summary>
public sealed partial class ValidateModel : IAsyncDisposable
{
    private static readonly Dictionary<string, Func<string, string>> ShellTools = new()
    {
        ["shell_command"] = command => JsonSerializer.Serialize(new { command }),
        ["exec_command"] = command => JsonSerializer.Serialize(new { cmd = command }),
        ["Bash"] = command => JsonSerializer.Serialize(new { command, description = "Write validate.txt" }),
        ["shell"] = command => JsonSerializer.Serialize(new { command = new[] { "bash", "-lc", command } }),
    };

    private readonly ScriptedUpstream _upstream;
    private readonly Breakage _breakage;

    private ValidateModel(ScriptedUpstream upstream, Breakage breakage)
    {
        (_upstream, _breakage) = (upstream, breakage);
        upstream.Reply = AnswerAsync;
    }

    public Uri BaseUrl => _upstream.BaseUrl;

    public static async Task<ValidateModel> StartAsync(Breakage breakage) => new(await ScriptedUpstream.StartAsync(), breakage);

    private async Task AnswerAsync(HttpContext http, JsonElement request)
    {
        var input = request.GetProperty("input").ValueKind == JsonValueKind.Array ? request.GetProperty("input").EnumerateArray().ToList() : [];
        var prompt = input.Where(i => i.TryGetProperty("role", out var r) && r.GetString() == "user").Select(Text).LastOrDefault() ?? "";
        var toolOutput = input.Where(i => i.TryGetProperty("type", out var t) && t.GetString() == "function_call_output").Select(i => i.GetProperty("output").ToString()).LastOrDefault();
        var hasImage = input.Any(i => i.TryGetProperty("content", out var c) && c.ValueKind == JsonValueKind.Array && c.EnumerateArray().Any(p => p.GetProperty("type").GetString() == "input_image"));
        var tools = request.TryGetProperty("tools", out var offered) ? offered.EnumerateArray().Select(t => t.TryGetProperty("name", out var n) ? n.GetString() : null).ToList() : [];

        if (toolOutput is not null)
        {
            await TextAsync(http, Word().Match(toolOutput) is { Success: true } printed ? $"It printed {printed.Value}." : "The command printed nothing I recognise.");
        }
        else if (Command().Match(prompt) is { Success: true } command && tools.FirstOrDefault(t => t is not null && ShellTools.ContainsKey(t)) is { } shell)
        {
            var arguments = _breakage == Breakage.ToolCalls ? """{"command": "printf""" : ShellTools[shell](command.Groups[1].Value);
            await ScriptedUpstream.WriteEventsAsync(http, ScriptedUpstream.FunctionCallEvents(shell, arguments, "call_validate_1"));
        }
        else if (hasImage)
        {
            await TextAsync(http, _breakage == Breakage.Images ? "I cannot see any image in your message." : "Blue Harbor Cafe");
        }
        else
        {
            await TextAsync(http, Word().Match(prompt) is { Success: true } word ? word.Value : "ok");
        }
    }

    private async Task TextAsync(HttpContext http, string text)
    {
        var events = ScriptedUpstream.TextEvents(text);
        if (_breakage != Breakage.Streams)
        {
            await ScriptedUpstream.WriteEventsAsync(http, events);
            return;
        }
        await ScriptedUpstream.WriteEventsAsync(http, events.Take(2));
        http.Abort(); // the connection drops mid-answer
    }

    private static string Text(JsonElement message) =>
        message.GetProperty("content") is { ValueKind: JsonValueKind.String } text ? text.GetString()!
            : string.Join("\n", message.GetProperty("content").EnumerateArray().Where(p => p.TryGetProperty("text", out _)).Select(p => p.GetProperty("text").GetString()));

    [GeneratedRegex("ROUTER-[0-9A-F]{6}")]
    private static partial Regex Word();

    [GeneratedRegex(@"run this exact command in the current directory: (.+?)\. Then reply")]
    private static partial Regex Command();

    public ValueTask DisposeAsync() => _upstream.DisposeAsync();
}
