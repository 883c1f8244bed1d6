using System.Runtime.InteropServices;

namespace GenAiRouter.Cli.Up;

/// <summary>
/// A process started in the background by a non-interactive shell inherits SIGINT ignored, and .NET then leaves it
/// ignored, so `kill -INT` of `up` would do nothing. Restoring the default before .NET sets up its signal handling lets
/// .NET take SIGINT as a graceful stop, as it does SIGTERM. Only an ignored SIGINT is touched.
/// </summary>
public static partial class Interrupts
{
    private const int SigInt = 2;
    private static readonly IntPtr SigIgn = 1;

    public static void Honour()
    {
        if (!OperatingSystem.IsLinux())
        {
            return;
        }
        // struct sigaction starts with the handler; the buffer is larger than the whole struct on every Linux ABI.
        var current = new byte[512];
        if (SigAction(SigInt, IntPtr.Zero, current) == 0 && BitConverter.ToInt64(current, 0) == SigIgn)
        {
            _ = Signal(SigInt, IntPtr.Zero);
        }
    }

    [LibraryImport("libc", EntryPoint = "sigaction")]
    private static partial int SigAction(int signal, IntPtr action, [Out] byte[] previous);

    [LibraryImport("libc", EntryPoint = "signal")]
    private static partial IntPtr Signal(int signal, IntPtr handler);
}
