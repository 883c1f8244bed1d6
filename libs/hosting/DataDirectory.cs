using System.Runtime.InteropServices;

namespace GenAiRouter.Hosting;

/// <summary>
/// The standalone data directory (tokens, usage, spilled usage events, the local admin key) is the user's alone:
/// the directory 0700, and every file a service creates 0600 (SQLite's journal files included), by the process umask.
/// </summary>
public static partial class DataDirectory
{
    public static void Prepare(string path)
    {
        if (OperatingSystem.IsWindows())
        {
            Directory.CreateDirectory(path);
            return;
        }
        Directory.CreateDirectory(path, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        // Files an earlier version left readable to others are closed too.
        foreach (var file in Directory.EnumerateFiles(path))
        {
            try
            {
                File.SetUnixFileMode(file, UnixFileMode.UserRead | UnixFileMode.UserWrite);
            }
            catch (FileNotFoundException)
            {
                // Gone meanwhile (another service's temporary file): nothing to close.
            }
        }
        _ = Umask(0b000_111_111);
    }

    [LibraryImport("libc", EntryPoint = "umask")]
    private static partial uint Umask(uint mask);
}
