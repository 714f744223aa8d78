using Xunit.Abstractions;

namespace BatchEditor.IntegrationTests.Infrastructure;

/// <summary>
/// The counts fault tests print: to the test's output and to <c>TestResults/fault-report.txt</c> at the repository root,
/// which <c>scripts/test.sh</c> prints after the run (a passing test's output is otherwise hidden).
/// </summary>
public static class FaultReport
{
    private static readonly object Gate = new();

    public static string FilePath { get; } = Path.Combine(RepositoryRoot(), "TestResults", "fault-report.txt");

    public static void Write(ITestOutputHelper output, string test, string counts)
    {
        var line = $"{test}: {counts}";
        output.WriteLine(line);
        lock (Gate)
        {
            Directory.CreateDirectory(Path.GetDirectoryName(FilePath)!);
            File.AppendAllText(FilePath, line + Environment.NewLine);
        }
    }

    /// <summary>CI runs the bounded size; <c>BATCHEDITOR_FAULT_SCALE=full</c> (bench/fault.sh) the full one.</summary>
    public static bool Full => Environment.GetEnvironmentVariable("BATCHEDITOR_FAULT_SCALE") == "full";

    internal static string RepositoryRoot()
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "BatchEditor.sln"))) dir = dir.Parent;
        return dir?.FullName ?? Path.GetTempPath();
    }
}
