using System.Collections.Concurrent;
using Dapr.Client.Autogen.Grpc.v1;
using Google.Protobuf;
using Google.Protobuf.WellKnownTypes;
using Grpc.AspNetCore.Server.Model;
using Grpc.Core;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;

namespace GenAiRouter.Hosting.Tests;

/// <summary>
/// The part of the Dapr sidecar's gRPC API (dapr.proto.runtime.v1.Dapr) that the router's Dapr adapters use:
/// state get/save/delete and publish. There is no daprd on these machines; this speaks the same wire
/// protocol so the adapters are tested through the real Dapr client.
/// </summary>
[BindServiceMethod(typeof(FakeDaprSidecar), nameof(BindService))]
public class FakeDaprSidecar
{
    private const string Service = "dapr.proto.runtime.v1.Dapr";

    public ConcurrentDictionary<(string Store, string Key), SaveStateRequest> Saved { get; } = new();

    public ConcurrentQueue<PublishEventRequest> Published { get; } = new();

    public static void BindService(ServiceBinderBase binder, FakeDaprSidecar? _)
    {
        binder.AddMethod(Unary<SaveStateRequest, Empty>("SaveState"), (UnaryServerMethod<SaveStateRequest, Empty>)null!);
        binder.AddMethod(Unary<GetStateRequest, GetStateResponse>("GetState"), (UnaryServerMethod<GetStateRequest, GetStateResponse>)null!);
        binder.AddMethod(Unary<DeleteStateRequest, Empty>("DeleteState"), (UnaryServerMethod<DeleteStateRequest, Empty>)null!);
        binder.AddMethod(Unary<PublishEventRequest, Empty>("PublishEvent"), (UnaryServerMethod<PublishEventRequest, Empty>)null!);
    }

    public static async Task<(Loopback Server, FakeDaprSidecar Sidecar)> StartAsync()
    {
        var sidecar = new FakeDaprSidecar();
        var server = await Loopback.StartAsync(http2: true,
            b => b.Services.AddGrpc().Services.AddSingleton(sidecar),
            app => app.MapGrpcService<FakeDaprSidecar>());
        return (server, sidecar);
    }

    // Grpc.AspNetCore binds each RPC to a public virtual method of the same name declared on this type.
    public virtual Task<Empty> SaveState(SaveStateRequest request, ServerCallContext context)
    {
        foreach (var item in request.States)
        {
            Saved[(request.StoreName, item.Key)] = request;
        }
        return Task.FromResult(new Empty());
    }

    public virtual Task<GetStateResponse> GetState(GetStateRequest request, ServerCallContext context)
    {
        var data = Saved.TryGetValue((request.StoreName, request.Key), out var saved)
            ? saved.States.Single(s => s.Key == request.Key).Value
            : ByteString.Empty;
        return Task.FromResult(new GetStateResponse { Data = data });
    }

    public virtual Task<Empty> DeleteState(DeleteStateRequest request, ServerCallContext context)
    {
        Saved.TryRemove((request.StoreName, request.Key), out _);
        return Task.FromResult(new Empty());
    }

    public virtual Task<Empty> PublishEvent(PublishEventRequest request, ServerCallContext context)
    {
        Published.Enqueue(request);
        return Task.FromResult(new Empty());
    }

    private static Method<TRequest, TResponse> Unary<TRequest, TResponse>(string name)
        where TRequest : class, IMessage<TRequest>, new()
        where TResponse : class, IMessage<TResponse>, new() =>
        new(MethodType.Unary, Service, name, Marshaller<TRequest>(), Marshaller<TResponse>());

    private static Marshaller<T> Marshaller<T>() where T : class, IMessage<T>, new() =>
        Marshallers.Create(m => m.ToByteArray(), bytes => new MessageParser<T>(() => new T()).ParseFrom(bytes));
}
