namespace GenAiRouter.Hosting;

/// <summary>A start-up problem the operator must fix; reported as one line, without a stack trace.</summary>
public sealed class StartupException(string message) : Exception(message);
