using System.Net;
using System.Reflection;
using System.Text;
using GenAiRouter.Contracts.V1;
using GenAiRouter.Hosting;
using Google.Protobuf;
using Google.Protobuf.Reflection;
using Grpc.Core;
using Grpc.Net.Client;

namespace GenAiRouter.Cli.Tests;

/// <summary>
/// The services trust no one: every internal gRPC method and event route of every service refuses a caller without
/// the internal credential, the bridge serves only targets of its own catalog, and each service holds only the
/// secrets it needs. The router runs as `up` runs it; the methods are found by reflection over the contracts, so a
/// new one cannot be left out.
/// </summary>
public sealed class ZeroTrustTests : IAsyncLifetime
{
    private const string UpstreamKey = "sk-zero-trust-upstream-0123456789";
    private const string UnrelatedSecret = "ghp_unrelated_shell_secret_0123456789";
    private readonly HttpClient _http = new() { Timeout = TimeSpan.FromSeconds(10) };
    private LocalRouter _router = null!;
    private string _internalToken = "";

    public async ValueTask InitializeAsync()
    {
        _router = await LocalRouter.StartAsync("""
            bridge: { enabled: true }
            groups:
              g:
                targets:
                  - { name: native, api: responses, base_url: http://127.0.0.1:9/v1, model: m, api_key_env: ZT_UPSTREAM_KEY }
                  - { name: chat, api: chat, base_url: http://127.0.0.1:9/v1, model: m, api_key_env: ZT_UPSTREAM_KEY, capabilities: [tools], responses_to_chat: {} }
            """, new() { ["ZT_UPSTREAM_KEY"] = UpstreamKey, ["GITHUB_TOKEN"] = UnrelatedSecret });
        _internalToken = LocalRouter.EnvironmentOf(_router.ServiceProcesses()[RouterApps.Auth])[InternalCredential.StandaloneVariable];
    }

    /// <summary>Every method of every service in the contracts, with its kind.</summary>
    public static TheoryData<string> Methods => new(AllMethods().Select(m => m.FullName));

    [Theory]
    [MemberData(nameof(Methods))]
    public async Task Every_grpc_method_on_every_service_refuses_a_caller_without_the_internal_credential(string method)
    {
        var descriptor = AllMethods().Single(m => m.FullName == method);
        foreach (var app in GrpcApps())
        {
            foreach (var credential in new[] { null, "not-the-internal-token" })
            {
                var status = await CallAsync(app, descriptor, credential);
                Assert.True(status == StatusCode.Unauthenticated, $"{app} answered {method} with {status} for credential '{credential}'");
            }
        }
    }

    [Theory]
    [MemberData(nameof(Methods))]
    public async Task With_the_internal_credential_each_method_is_served_by_one_service_and_admin_methods_still_need_the_admin_key(string method)
    {
        var descriptor = AllMethods().Single(m => m.FullName == method);
        var answers = new Dictionary<string, StatusCode>();
        foreach (var app in GrpcApps())
        {
            answers[app] = await CallAsync(app, descriptor, _internalToken);
        }

        var served = answers.Where(a => a.Value != StatusCode.Unimplemented).ToList();
        Assert.True(served.Count == 1, $"{method}: {string.Join(", ", answers.Select(a => $"{a.Key}={a.Value}"))}");
        if (descriptor.Service.Name == "TokenAdmin")
        {
            Assert.Equal(StatusCode.Unauthenticated, served[0].Value);
        }
    }

    public static TheoryData<string> EventRoutes => new(Topics.All.Select(Topics.Route));

    [Theory]
    [MemberData(nameof(EventRoutes))]
    public async Task Every_event_route_on_every_service_refuses_a_delivery_without_the_internal_credential(string route)
    {
        foreach (var app in RouterApps.All)
        {
            foreach (var credential in new[] { null, "not-the-internal-token" })
            {
                using var response = await DeliverAsync(RouterApps.StandalonePorts(app, _router.Port).Http, route, credential);
                Assert.True(response.StatusCode == HttpStatusCode.Unauthorized, $"{app} answered {route} with {(int)response.StatusCode}");
            }
        }
        // The public door does not serve event routes at all.
        using var door = await DeliverAsync(_router.Port, route, _internalToken);
        Assert.Equal(HttpStatusCode.NotFound, door.StatusCode);
    }

    [Fact]
    public async Task A_forged_usage_event_is_not_stored()
    {
        using var forged = await DeliverAsync(RouterApps.StandalonePorts(RouterApps.Usage, _router.Port).Http, Topics.Route(Topics.Usage), null,
            """{"specversion":"1.0","id":"x","source":"evil","type":"com.dapr.event.sent","datacontenttype":"application/json","data":{"request_id":"forged","project":"made-up","text_cost":99999}}""");

        Assert.Equal(HttpStatusCode.Unauthorized, forged.StatusCode);
        var usage = await _router.RunCliAsync("usage", "--project", "made-up", "--format", "json");
        Assert.Contains("\"requests\":0", usage, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("g", "someone-elses-target")]
    [InlineData("no-such-group", "native")]
    public async Task The_bridge_serves_only_targets_of_its_own_catalog(string group, string target)
    {
        using var channel = GrpcChannel.ForAddress($"http://127.0.0.1:{RouterApps.StandalonePorts(RouterApps.Bridge, _router.Port).Grpc}");
        var bridge = new Bridge.BridgeClient(channel);
        var request = new BridgeRequest { RequestId = "r", Group = group, Target = target, Door = Protocol.Responses, Body = ByteString.CopyFromUtf8("""{"model":"g","input":"hi"}""") };

        using var call = bridge.Generate(request, new Metadata { { InternalCredential.StandaloneHeader, _internalToken } });
        var e = await Assert.ThrowsAsync<RpcException>(() => call.ResponseStream.MoveNext());

        Assert.Equal(StatusCode.NotFound, e.StatusCode);
        // The contract has no field that could name a URL or a variable: the target is only ever named.
        Assert.DoesNotContain(BridgeRequest.Descriptor.Fields.InDeclarationOrder(), f => f.Name.Contains("url", StringComparison.Ordinal) || f.Name.Contains("env", StringComparison.Ordinal));
    }

    [Fact]
    public void Each_service_holds_only_the_secrets_it_needs()
    {
        var adminKey = File.ReadAllText(Path.Combine(_router.DataDir, "admin-key")).Trim();
        var services = _router.ServiceProcesses();
        Assert.Equal(RouterApps.All.Order(), services.Keys.Order());

        foreach (var (app, pid) in services)
        {
            var values = LocalRouter.EnvironmentOf(pid).Values.ToList();
            Assert.Equal(app is RouterApps.Ingress or RouterApps.Bridge, values.Contains(UpstreamKey));
            Assert.Equal(app is RouterApps.Auth or RouterApps.Usage, values.Contains(adminKey));
            Assert.Contains(_internalToken, values);
            Assert.DoesNotContain(UnrelatedSecret, values);
        }
        Assert.NotEqual(adminKey, _internalToken);
    }

    [Fact]
    [System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
    public void The_data_directory_and_its_files_are_the_users_alone()
    {
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute, File.GetUnixFileMode(_router.DataDir));
        var files = Directory.GetFiles(_router.DataDir);
        Assert.Contains(files, f => f.EndsWith("tokens.db", StringComparison.Ordinal));
        Assert.All(files, f => Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(f)));
    }

    public async ValueTask DisposeAsync()
    {
        _http.Dispose();
        await _router.DisposeAsync();
    }

    private static IEnumerable<MethodDescriptor> AllMethods() =>
        typeof(Bridge).Assembly.GetTypes()
            .Select(t => t.GetProperty("Descriptor", BindingFlags.Public | BindingFlags.Static)?.GetValue(null))
            .OfType<ServiceDescriptor>()
            .SelectMany(s => s.Methods);

    private static IEnumerable<string> GrpcApps() => RouterApps.All.Where(RouterApps.CalledOverGrpc);

    /// <summary>Calls a method with an empty message and reports the status it ended with.</summary>
    private async Task<StatusCode> CallAsync(string app, MethodDescriptor descriptor, string? credential)
    {
        using var channel = GrpcChannel.ForAddress($"http://127.0.0.1:{RouterApps.StandalonePorts(app, _router.Port).Grpc}");
        var marshaller = Marshallers.Create<byte[]>(b => b, b => b);
        var type = descriptor.IsServerStreaming ? MethodType.ServerStreaming : MethodType.Unary;
        var method = new Method<byte[], byte[]>(type, descriptor.Service.FullName, descriptor.Name, marshaller, marshaller);
        var headers = credential is null ? new Metadata() : new Metadata { { InternalCredential.StandaloneHeader, credential } };
        var options = new CallOptions(headers, DateTime.UtcNow.AddSeconds(5));
        try
        {
            if (type == MethodType.ServerStreaming)
            {
                using var call = channel.CreateCallInvoker().AsyncServerStreamingCall(method, null, options, []);
                await call.ResponseStream.MoveNext();
            }
            else
            {
                await channel.CreateCallInvoker().AsyncUnaryCall(method, null, options, []);
            }
            return StatusCode.OK;
        }
        catch (RpcException e)
        {
            // A deadline means the method was reached and is streaming (a snapshot watch): served.
            return e.StatusCode == StatusCode.DeadlineExceeded ? StatusCode.OK : e.StatusCode;
        }
    }

    private Task<HttpResponseMessage> DeliverAsync(int port, string route, string? credential, string body = """{"specversion":"1.0","id":"x","source":"t","type":"com.dapr.event.sent","datacontenttype":"application/json","data":{}}""")
    {
        var request = new HttpRequestMessage(HttpMethod.Post, new Uri($"http://127.0.0.1:{port}{route}"))
        {
            Content = new StringContent(body, Encoding.UTF8, "application/cloudevents+json"),
        };
        if (credential is not null)
        {
            request.Headers.Add(InternalCredential.StandaloneHeader, credential);
        }
        return _http.SendAsync(request);
    }

}
