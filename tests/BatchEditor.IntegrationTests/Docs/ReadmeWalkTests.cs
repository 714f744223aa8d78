using System.Diagnostics;
using BatchEditor.IntegrationTests.Infrastructure;

namespace BatchEditor.IntegrationTests.Docs;

/// <summary>
/// A new user's first hour, from the README alone: the quick start's demo, then the "After the demo" commands exactly as
/// written, a second batch on the demo's database, storage and simulator. Only the demo's data folder and ports are moved
/// (DEMO_DATA, DEMO_PG_PORT, DEMO_SIM_PORT), so the test never touches a developer's own .data/.
/// </summary>
public sealed class ReadmeWalkTests : IDisposable
{
    private readonly DirectoryInfo _data = Directory.CreateTempSubdirectory("be-readme-walk-");

    public void Dispose() => _data.Delete(recursive: true);

    [Fact]
    public async Task The_README_walks_from_the_demo_to_a_second_batch()
    {
        var root = FaultReport.RepositoryRoot();
        var readme = await File.ReadAllTextAsync(Path.Combine(root, "README.md"));
        var section = readme[readme.IndexOf("## After the demo", StringComparison.Ordinal)..];
        var start = section.IndexOf("```bash\n", StringComparison.Ordinal) + "```bash\n".Length;
        var commands = section[start..section.IndexOf("```", start, StringComparison.Ordinal)];
        Assert.Contains("source .data/demo.env", commands);

        var env = new Dictionary<string, string>
        {
            ["DEMO_DATA"] = _data.FullName,
            ["DEMO_PG_PORT"] = PostgresServer.FreePort().ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["DEMO_SIM_PORT"] = PostgresServer.FreePort().ToString(System.Globalization.CultureInfo.InvariantCulture),
        };
        try
        {
            var demo = await BashAsync(root, env, "bash scripts/demo.sh");
            Assert.True(demo.ExitCode == 0, demo.Output);
            Assert.Contains("source " + Path.Combine(_data.FullName, "demo.env"), demo.Output);
            Assert.Contains("Quote for catalogue.csv: 24 item(s); nothing was queued.", demo.Output); // a quote first
            Assert.Contains("A sample of 4 item(s) across its category values runs first; the other 20 are held", demo.Output);
            Assert.Contains("sample approved by", demo.Output);
            Assert.Contains("20 held item(s) released", demo.Output);

            var walk = await BashAsync(root, env, "set -euo pipefail\n" + commands.Replace(".data/", _data.FullName + "/", StringComparison.Ordinal));
            Assert.True(walk.ExitCode == 0, walk.Output);
            Assert.Contains("Imported 7 item(s) as manifest 'my-first-export'", walk.Output);
            Assert.Contains("my-first-export: 7 item(s): 7 Succeeded", walk.Output); // the worker's summary
            Assert.Contains("Nothing needs attention.", walk.Output);               // status
            var results = await File.ReadAllLinesAsync(Path.Combine(_data.FullName, "my-first-export.csv"));
            Assert.Equal(8, results.Length);
            var outputs = Array.IndexOf(results[0].Split(','), "outputs");
            Assert.All(results.Skip(1), line => Assert.True(File.Exists(line.Split(',')[outputs]), line)); // every output where results says
            Assert.All(results.Skip(1), line => Assert.StartsWith(Path.Combine(_data.FullName, "outputs"), line.Split(',')[outputs], StringComparison.Ordinal));
        }
        finally
        {
            var stop = await BashAsync(root, env, "bash scripts/demo.sh stop");
            Assert.True(stop.ExitCode == 0, stop.Output);
            // As root, PostgreSQL's cluster lives where the postgres user can reach it (the demo says where).
            if (Directory.Exists($"/var/tmp/batch-editor-demo-pg-{env["DEMO_PG_PORT"]}")) Directory.Delete($"/var/tmp/batch-editor-demo-pg-{env["DEMO_PG_PORT"]}", recursive: true);
        }
    }

    private static async Task<(int ExitCode, string Output)> BashAsync(string workingDirectory, Dictionary<string, string> env, string script)
    {
        var info = new ProcessStartInfo("bash", ["-c", script]) { WorkingDirectory = workingDirectory, RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var (key, value) in env) info.Environment[key] = value;
        using var process = Process.Start(info)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var patience = new CancellationTokenSource(TimeSpan.FromMinutes(6));
        try { await process.WaitForExitAsync(patience.Token); }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"`{script}` did not finish in 6 minutes:\n{await stdout}\n{await stderr}");
        }
        return (process.ExitCode, await stdout + "\n" + await stderr);
    }
}
