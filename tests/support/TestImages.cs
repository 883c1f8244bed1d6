namespace GenAiRouter.TestSupport;

public static class TestImages
{
    /// <summary>A valid 1x1 PNG, for sending an image through Codex and the router.</summary>
    public static byte[] OnePixelPng { get; } =
        Convert.FromBase64String("iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==");
}
