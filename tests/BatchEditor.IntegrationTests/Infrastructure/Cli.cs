using System.Diagnostics;

namespace BatchEditor.IntegrationTests.Infrastructure;

/// <summary>Runs the real <c>batch-editor</c> binary as a child process.</summary>
public static class Cli
{
    public sealed record Result(int ExitCode, string Stdout, string Stderr)
    {
        public override string ToString() => $"exit {ExitCode}\n--- stdout\n{Stdout}\n--- stderr\n{Stderr}";
    }

    /// <summary>The Host's build output of the same configuration as this test assembly.</summary>
    public static string BinaryPath { get; } = FindBinary();

    public static Process Start(IReadOnlyDictionary<string, string> environment, params string[] args) => StartUnder([], environment, args);

    /// <summary>Runs the binary under another program, e.g. <c>faketime -f +10m</c> (a clock that is off).</summary>
    public static Process StartUnder(string[] wrapper, IReadOnlyDictionary<string, string> environment, params string[] args)
    {
        var start = new ProcessStartInfo(wrapper.Length > 0 ? wrapper[0] : "dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var w in wrapper.Skip(1)) start.ArgumentList.Add(w);
        if (wrapper.Length > 0) start.ArgumentList.Add("dotnet");
        start.ArgumentList.Add(BinaryPath);
        foreach (var a in args) start.ArgumentList.Add(a);
        foreach (var (k, v) in environment) start.Environment[k] = v;
        start.Environment["DOTNET_NOLOGO"] = "1";
        return Process.Start(start)!;
    }

    public static async Task<Result> RunAsync(IReadOnlyDictionary<string, string> environment, TimeSpan timeout, params string[] args)
    {
        using var process = Start(environment, args);
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var cts = new CancellationTokenSource(timeout);
        try { await process.WaitForExitAsync(cts.Token); }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"batch-editor {string.Join(' ', args)} did not finish within {timeout}: {await stderr}");
        }
        return new Result(process.ExitCode, await stdout, await stderr);
    }

    private static string FindBinary()
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "BatchEditor.sln"))) dir = dir.Parent;
        if (dir is null) throw new InvalidOperationException("repository root (BatchEditor.sln) not found above " + AppContext.BaseDirectory);
        // …/tests/BatchEditor.IntegrationTests/bin/<Configuration>/net10.0/
        var configuration = new DirectoryInfo(AppContext.BaseDirectory.TrimEnd(Path.DirectorySeparatorChar)).Parent!.Name;
        var path = Path.Combine(dir.FullName, "src", "BatchEditor.Host", "bin", configuration, "net10.0", "batch-editor.dll");
        return File.Exists(path) ? path : throw new FileNotFoundException("build the solution first", path);
    }
}
