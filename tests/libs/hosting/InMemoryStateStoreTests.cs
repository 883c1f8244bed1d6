namespace GenAiRouter.Hosting.Tests;

public sealed class InMemoryStateStoreTests
{
    private readonly ManualTime _time = new();

    [Fact]
    public async Task An_entry_is_read_back_until_its_time_to_live_has_passed()
    {
        var store = new InMemoryStateStore(_time);
        await store.SetAsync("k", "v"u8.ToArray(), TimeSpan.FromMinutes(10), default);

        _time.Advance(TimeSpan.FromMinutes(9));
        Assert.Equal("v"u8.ToArray(), await store.GetAsync("k", default));

        _time.Advance(TimeSpan.FromMinutes(1));
        Assert.Null(await store.GetAsync("k", default));
    }

    [Fact]
    public async Task An_entry_without_time_to_live_stays_until_deleted()
    {
        var store = new InMemoryStateStore(_time);
        await store.SetAsync("k", "v"u8.ToArray(), null, default);

        _time.Advance(TimeSpan.FromDays(3650));
        Assert.NotNull(await store.GetAsync("k", default));

        await store.DeleteAsync("k", default);
        Assert.Null(await store.GetAsync("k", default));
    }

    [Fact]
    public async Task The_stored_value_is_a_copy_of_what_the_caller_passed()
    {
        var store = new InMemoryStateStore(_time);
        var buffer = "abc"u8.ToArray();
        await store.SetAsync("k", buffer, null, default);

        buffer[0] = (byte)'z';

        Assert.Equal("abc"u8.ToArray(), await store.GetAsync("k", default));
    }
}
