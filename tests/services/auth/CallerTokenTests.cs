namespace GenAiRouter.Auth.Tests;

public sealed class CallerTokenTests
{
    private const string Secret = "abcdefghijABCDEFGHIJ0123456789klmnopqrstuvw";
    private const string Valid = "rtr_metrum_alice_web_dev_k3j4h5g6f7_" + Secret;

    [Fact]
    public void A_well_formed_token_reads_into_its_parts()
    {
        Assert.True(CallerToken.TryParse(Valid, out var token));
        Assert.Equal(new CallerToken("metrum", "alice", "web", "dev", "k3j4h5g6f7", Secret), token);
        Assert.Equal(Valid, token.ToString());
    }

    [Theory]
    [InlineData("", "empty")]
    [InlineData("sk-proj-abcdef", "an OpenAI key")]
    [InlineData("rtx_metrum_alice_web_dev_k3j4h5g6f7_" + Secret, "wrong prefix")]
    [InlineData("metrum_alice_web_dev_k3j4h5g6f7_" + Secret, "no prefix")]
    [InlineData("rtr_metrum_alice_web_k3j4h5g6f7_" + Secret, "a field missing")]
    [InlineData("rtr_metrum_alice_web_dev_extra_k3j4h5g6f7_" + Secret, "an extra field (underscore in a name)")]
    [InlineData("rtr_metrum_Alice_web_dev_k3j4h5g6f7_" + Secret, "uppercase user")]
    [InlineData("rtr_metrum_alice_web_dev-_k3j4h5g6f7_" + Secret, "name ending in '-'")]
    [InlineData("rtr_metrum_alice__dev_k3j4h5g6f7_" + Secret, "empty project")]
    [InlineData("rtr_metrum_alice_web_dev_K3J4H5G6F7_" + Secret, "uppercase key id")]
    [InlineData("rtr_metrum_alice_web_dev_k3j4h5_" + Secret, "short key id")]
    [InlineData("rtr_metrum_alice_web_dev_k3j4h5g6f7_abc+/defghijABCDEFGHIJ0123456789klmnopqrstu", "secret not base62")]
    [InlineData("rtr_metrum_alice_web_dev_k3j4h5g6f7_" + "abcdefghijABCDEFGHIJ0123456789klmnopqrst", "truncated secret")]
    [InlineData("rtr_metrum_alice_web_dev_k3j4h5g6f7_" + Secret + "x", "secret too long")]
    [InlineData(" rtr_metrum_alice_web_dev_k3j4h5g6f7_" + Secret, "leading space")]
    public void Malformed_tokens_are_refused(string text, string why)
    {
        Assert.False(CallerToken.TryParse(text, out _), why);
    }

    [Fact]
    public void A_huge_token_is_refused_before_it_is_split()
    {
        Assert.False(CallerToken.TryParse("rtr_" + new string('a', 1_000_000), out _));
    }

    [Fact]
    public void Issued_tokens_parse_back_and_never_repeat()
    {
        var tokens = Enumerable.Range(0, 200).Select(_ => CallerToken.Issue("metrum", "alice", "web", "dev")).ToList();

        Assert.All(tokens, t => Assert.True(CallerToken.TryParse(t.ToString(), out var back) && back == t));
        Assert.Equal(200, tokens.Select(t => t.Secret).Distinct().Count());
        Assert.Equal(200, tokens.Select(t => t.KeyId).Distinct().Count());
    }
}
