namespace GenAiRouter.Clients.Tests;

/// <summary>
/// One router, started with `genai-router up`, that every client test shares (starting one per client would cost more
/// than the clients): a group on a Chat Completions target and a group on a native Responses target, both played by
/// <see cref="AgentModel"/>s, and a caller token for both.
/// </summary>
public sealed class ClientMatrixRouter : IAsyncLifetime
{
    /// <summary>The group whose target speaks Chat Completions.</summary>
    public const string ChatGroup = "coder-chat";

    /// <summary>The group whose target speaks Responses.</summary>
    public const string ResponsesGroup = "coder-responses";

    public AgentModel ChatModel { get; private set; } = null!;

    public AgentModel ResponsesModel { get; private set; } = null!;

    public LocalRouter Router { get; private set; } = null!;

    public string Token { get; private set; } = "";

    /// <summary>The router's OpenAI-style base URL, ending in /v1.</summary>
    public string BaseUrl => Router.BaseUrl.ToString().TrimEnd('/');

    public async ValueTask InitializeAsync()
    {
        ChatModel = await AgentModel.StartAsync();
        ResponsesModel = await AgentModel.StartAsync();
        Router = await LocalRouter.StartAsync($$"""
            bridge: { enabled: true }
            groups:
              {{ChatGroup}}:
                targets:
                  - name: chat-target
                    api: chat
                    base_url: {{ChatModel.BaseUrl}}
                    model: upstream-chat
                    api_key_env: CHAT_KEY
                    capabilities: [tools, reasoning, images, streaming, structured_output]
                    prices: { input_per_mtok: 2, output_per_mtok: 8 }
                    responses_to_chat: { streaming: true, images: true, structured_output: true }
              {{ResponsesGroup}}:
                targets:
                  - name: responses-target
                    api: responses
                    base_url: {{ResponsesModel.BaseUrl}}
                    model: upstream-responses
                    api_key_env: RESPONSES_KEY
                    capabilities: [tools, reasoning, images, streaming, structured_output]
                    prices: { input_per_mtok: 3, output_per_mtok: 12 }
            """, new() { ["CHAT_KEY"] = "sk-chat-upstream", ["RESPONSES_KEY"] = "sk-responses-upstream" });
        Token = await Router.IssueTokenAsync("--groups", $"{ChatGroup},{ResponsesGroup}");
    }

    /// <summary>The model that plays the given group's target.</summary>
    public AgentModel ModelOf(string group) => group == ChatGroup ? ChatModel : ResponsesModel;

    public async ValueTask DisposeAsync()
    {
        await Router.DisposeAsync();
        await ChatModel.DisposeAsync();
        await ResponsesModel.DisposeAsync();
    }
}

[CollectionDefinition(Name)]
public sealed class ClientMatrix : ICollectionFixture<ClientMatrixRouter>
{
    public const string Name = "client matrix";
}
