using System.Diagnostics;
using GenAiRouter.Contracts.V1;
using GenAiRouter.Ingress.Doors.Responses;
using GenAiRouter.Ingress.Telemetry;

namespace GenAiRouter.Ingress.Tests.Telemetry;

/// <summary>How ingress prices a request for chargeback.</summary>
public sealed class UsageMeterTests
{
    private static readonly Caller Caller = new() { KeyId = "k1", User = "alice", Project = "web", Env = "dev" };
    private static readonly Target Priced = new()
    {
        Name = "native", Model = "gpt-5.1-codex", Api = Protocol.Responses,
        Prices = new Prices { InputPerMtok = 1.25, CachedInputPerMtok = 0.125, OutputPerMtok = 10, PerImage = 0.002 },
    };

    [Fact]
    public void Text_cost_charges_cached_input_at_its_own_price_and_images_per_image()
    {
        var record = new RequestRecord("req_1", Stopwatch.GetTimestamp(), new ResponsesDoor()) { Group = "g", ImageCount = 2, Usage = new UpstreamUsage(1_000_000, 400_000, 100_000, 0) };
        record.Committed(Priced);

        var e = UsageMeter.Build(Caller, record, 200, DateTimeOffset.UnixEpoch);

        // 600k uncached x 1.25 + 400k cached x 0.125 + 100k output x 10, per million.
        Assert.Equal(0.75 + 0.05 + 1.0, e.TextCost, 9);
        Assert.Equal(0.004, e.ImageCost, 9);
        Assert.Equal(("k1", "alice", "web", "dev", "native", "gpt-5.1-codex", false), (e.KeyId, e.User, e.Project, e.Env, e.Target, e.UpstreamModel, e.Bridged));
        Assert.True(e.InputHasImage);
    }

    [Fact]
    public void Without_reported_usage_there_is_no_cost_rather_than_a_guess()
    {
        var record = new RequestRecord("req_1", Stopwatch.GetTimestamp(), new ResponsesDoor()) { Group = "g" };
        record.Committed(Priced);

        var e = UsageMeter.Build(Caller, record, 502, DateTimeOffset.UnixEpoch);

        Assert.False(e.HasTextCost);
        Assert.False(e.HasImageCost);
        Assert.Equal(502, e.Status);
    }

    [Theory]
    [InlineData(Protocol.Chat, true)]
    [InlineData(Protocol.Responses, false)]
    public void A_target_is_metered_as_bridged_when_it_speaks_another_protocol_than_the_door(Protocol api, bool bridged)
    {
        var record = new RequestRecord("req_1", Stopwatch.GetTimestamp(), new ResponsesDoor());
        record.Committed(new Target { Name = "t", Api = api });

        var e = UsageMeter.Build(Caller, record, 200, DateTimeOffset.UnixEpoch);

        Assert.Equal(bridged, e.Bridged);
        Assert.Equal("/v1/responses", e.Endpoint);
    }

    [Fact]
    public async Task A_caller_that_left_is_a_499_whose_latency_is_the_time_until_it_left()
    {
        var record = new RequestRecord("req_1", Stopwatch.GetTimestamp(), new ResponsesDoor());
        await Task.Delay(50);
        RequestRecord.MarkCallerLeft(record);
        await Task.Delay(300);
        RequestRecord.MarkCallerLeft(record); // a later abort notice does not move it

        Assert.True(record.CallerLeft);
        Assert.InRange(UsageMeter.Build(Caller, record, 499, DateTimeOffset.UnixEpoch).LatencyMs, 40, 250);
    }
}
