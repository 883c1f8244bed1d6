using GenAiRouter.Contracts.V1;
using GenAiRouter.Ingress;

namespace GenAiRouter.Usage.Tests;

/// <summary>How ingress prices a request for chargeback.</summary>
public sealed class UsageMeterTests
{
    private static readonly Caller Caller = new() { KeyId = "k1", User = "alice", Project = "web", Env = "dev" };
    private static readonly Target Priced = new()
    {
        Name = "native", Model = "gpt-5.1-codex", Api = TargetApi.Responses,
        Prices = new Prices { InputPerMtok = 1.25, CachedInputPerMtok = 0.125, OutputPerMtok = 10, PerImage = 0.002 },
    };

    [Fact]
    public void Text_cost_charges_cached_input_at_its_own_price_and_images_per_image()
    {
        var record = new RequestRecord(System.Diagnostics.Stopwatch.GetTimestamp()) { Group = "g", ImageCount = 2, Usage = new UpstreamUsage(1_000_000, 400_000, 100_000, 0) };
        record.Committed(Priced);

        var e = UsageMeter.Build("req_1", Caller, record, 200, DateTimeOffset.UnixEpoch);

        // 600k uncached x 1.25 + 400k cached x 0.125 + 100k output x 10, per million.
        Assert.Equal(0.75 + 0.05 + 1.0, e.TextCost, 9);
        Assert.Equal(0.004, e.ImageCost, 9);
        Assert.Equal(("k1", "alice", "web", "dev", "native", "gpt-5.1-codex", false), (e.KeyId, e.User, e.Project, e.Env, e.Target, e.UpstreamModel, e.Bridged));
        Assert.True(e.InputHasImage);
    }

    [Fact]
    public void Without_reported_usage_there_is_no_cost_rather_than_a_guess()
    {
        var record = new RequestRecord(System.Diagnostics.Stopwatch.GetTimestamp()) { Group = "g" };
        record.Committed(Priced);

        var e = UsageMeter.Build("req_2", Caller, record, 502, DateTimeOffset.UnixEpoch);

        Assert.False(e.HasTextCost);
        Assert.False(e.HasImageCost);
        Assert.Equal(502, e.Status);
    }

    [Fact]
    public void A_chat_target_is_metered_as_bridged()
    {
        var record = new RequestRecord(System.Diagnostics.Stopwatch.GetTimestamp());
        record.Committed(new Target { Name = "qwen", Api = TargetApi.Chat });

        Assert.True(UsageMeter.Build("req_3", Caller, record, 200, DateTimeOffset.UnixEpoch).Bridged);
    }
}
