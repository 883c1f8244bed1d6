namespace GenAiRouter.Clients.Tests;

/// <summary>
/// One router, started with `genai-router up`, that every client test shares (starting one per client would cost more
/// than the clients): a group on a Chat Completions target, one on a Responses target and one on an Anthropic Messages
/// target, each played by an <see cref="AgentModel"/>, and a caller token for all three, reasoning included.
/// </summary>
public sealed class ClientMatrixRouter : IAsyncLifetime
{
    /// <summary>The group whose target speaks Chat Completions.</summary>
    public const string ChatGroup = "coder-chat";

    /// <summary>The group whose target speaks Responses.</summary>
    public const string ResponsesGroup = "coder-responses";

    /// <summary>The group whose target speaks Anthropic Messages.</summary>
    public const string MessagesGroup = "coder-messages";

    public AgentModel ChatModel { get; private set; } = null!;

    public AgentModel ResponsesModel { get; private set; } = null!;

    public AgentModel MessagesModel { get; private set; } = null!;

    public LocalRouter Router { get; private set; } = null!;

    public string Token { get; private set; } = "";

    /// <summary>The router's OpenAI-style base URL, ending in /v1.</summary>
    public string BaseUrl => Router.BaseUrl.ToString().TrimEnd('/');

    /// <summary>The router's root, as its docs show it (the Anthropic clients' base URL).</summary>
    public string Root => BaseUrl[..^"/v1".Length];

    public async ValueTask InitializeAsync()
    {
        ChatModel = await AgentModel.StartAsync();
        ResponsesModel = await AgentModel.StartAsync();
        MessagesModel = await AgentModel.StartAsync();
        Router = await LocalRouter.StartAsync($$"""
            bridge: { enabled: true }
            groups:
              {{ChatGroup}}:
                reasoning: { levels: [low, medium, high], default: medium }
                targets:
                  - name: chat-target
                    api: chat
                    base_url: {{ChatModel.BaseUrl}}
                    model: upstream-chat
                    api_key_env: CHAT_KEY
                    capabilities: [tools, reasoning, images, streaming, structured_output]
                    reasoning: { levels: [low, medium, high], param: reasoning_effort }
                    prices: { input_per_mtok: 2, output_per_mtok: 8 }
                    responses_to_chat: { streaming: true, images: true, structured_output: true, reasoning: true }
              {{ResponsesGroup}}:
                reasoning: { levels: [low, medium, high], default: medium }
                targets:
                  - name: responses-target
                    api: responses
                    base_url: {{ResponsesModel.BaseUrl}}
                    model: upstream-responses
                    api_key_env: RESPONSES_KEY
                    capabilities: [tools, reasoning, images, streaming, structured_output]
                    prices: { input_per_mtok: 3, output_per_mtok: 12 }
              {{MessagesGroup}}:
                reasoning: { levels: [low, medium, high], default: medium }
                targets:
                  - name: messages-target
                    api: messages
                    base_url: {{MessagesModel.BaseUrl}}
                    model: upstream-claude
                    api_key_env: MESSAGES_KEY
                    capabilities: [tools, reasoning, images, streaming, structured_output]
                    drop_hosted_tools: true
                    prices: { input_per_mtok: 3, cached_input_per_mtok: 0.3, cache_write_per_mtok: 3.75, output_per_mtok: 15 }
            """, new() { ["CHAT_KEY"] = "sk-chat-upstream", ["RESPONSES_KEY"] = "sk-responses-upstream", ["MESSAGES_KEY"] = "sk-messages-upstream" });
        var groups = $"{ChatGroup},{ResponsesGroup},{MessagesGroup}";
        Token = await Router.IssueTokenAsync("--groups", groups, "--reasoning", groups);
    }

    /// <summary>The model that plays the given group's target.</summary>
    public AgentModel ModelOf(string group) => group switch
    {
        ChatGroup => ChatModel,
        MessagesGroup => MessagesModel,
        _ => ResponsesModel,
    };

    /// <summary>The usage report's totals for a group, as a platform team reads them.</summary>
    public async Task<UsageTotals> UsageAsync(string group)
    {
        var total = System.Text.Json.JsonDocument.Parse(await Router.RunCliAsync("usage", "--group", group, "--since", "1d", "--format", "json")).RootElement.GetProperty("total");
        return new UsageTotals(total.GetProperty("requests").GetInt64(), total.GetProperty("input_tokens").GetInt64(), total.GetProperty("output_tokens").GetInt64(),
            total.GetProperty("images").GetInt64(), total.GetProperty("cost").GetDouble());
    }

    /// <summary>The totals once a request after <paramref name="before"/> is counted (usage is delivered off the request path).</summary>
    public async Task<UsageTotals> UsageAfterAsync(string group, UsageTotals before)
    {
        var deadline = DateTime.UtcNow.AddSeconds(30);
        var after = await UsageAsync(group);
        while (after.Requests == before.Requests && DateTime.UtcNow < deadline)
        {
            await Task.Delay(300);
            after = await UsageAsync(group);
        }
        return after;
    }

    public async ValueTask DisposeAsync()
    {
        await Router.DisposeAsync();
        await ChatModel.DisposeAsync();
        await ResponsesModel.DisposeAsync();
        await MessagesModel.DisposeAsync();
    }
}

/// <summary>A group's usage totals.</summary>
public sealed record UsageTotals(long Requests, long InputTokens, long OutputTokens, long Images, double Cost);

[CollectionDefinition(Name)]
public sealed class ClientMatrix : ICollectionFixture<ClientMatrixRouter>
{
    public const string Name = "client matrix";
}
