using System.Diagnostics;
using System.Text;
using BatchEditor.IntegrationTests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;

namespace BatchEditor.IntegrationTests;

/// <summary>Manifests far larger than memory should need: streamed into one transaction, all or nothing, in bounded memory.</summary>
public sealed class LargeManifestTests : IDisposable
{
    private const long MemoryBound = 300L * 1024 * 1024;
    private readonly DirectoryInfo _dir = Directory.CreateTempSubdirectory("batch-editor-large-");

    public void Dispose() => _dir.Delete(recursive: true);

    private string Write(int rows, string? lastRow = null)
    {
        var path = Path.Combine(_dir.FullName, $"large-{rows}.csv");
        using var file = new StreamWriter(path, false, new UTF8Encoding(false), 1 << 16);
        file.Write("id,image_url,prompt,size,title\n");
        for (var i = 1; i <= rows; i++)
            file.Write($"SKU-{i:D7},https://img.example.com/catalogue/{i}.jpg,Put product {i} on a pale grey backdrop with soft shadow,1:1,Linen shirt {i}\n");
        if (lastRow is not null) file.Write(lastRow + "\n");
        return path;
    }

    /// <summary>Runs the CLI and samples its peak resident memory (VmHWM) until it exits.</summary>
    private static async Task<(Cli.Result Result, long PeakBytes)> RunMeasuredAsync(IReadOnlyDictionary<string, string> env, params string[] args)
    {
        using var process = Cli.Start(env, args);
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        long peak = 0;
        var deadline = Stopwatch.StartNew();
        while (!process.HasExited && deadline.Elapsed < TimeSpan.FromMinutes(5))
        {
            try
            {
                var line = File.ReadLines($"/proc/{process.Id}/status").FirstOrDefault(l => l.StartsWith("VmHWM:", StringComparison.Ordinal));
                if (line is not null) peak = Math.Max(peak, long.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1]) * 1024);
            }
            catch (IOException) { } // exited between the check and the read
            await Task.Delay(50);
        }
        await process.WaitForExitAsync();
        return (new Cli.Result(process.ExitCode, await stdout, await stderr), peak);
    }

    [Fact]
    public async Task A_million_row_manifest_imports_in_bounded_memory()
    {
        await using var bed = await TestBed.StartAsync();
        var path = Write(1_000_000);

        var (result, peak) = await RunMeasuredAsync(bed.EnvironmentVariables(), "submit", path, "--name", "million");

        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Contains("Imported 1000000 item(s) as manifest 'million'", result.Stdout);
        Assert.Equal(1_000_000L, await bed.ScalarAsync<long>("select count(*) from items"));
        Assert.Equal(1_000_000, await bed.ScalarAsync<int>("select item_count from manifests"));
        Assert.True(peak > 0 && peak < MemoryBound, $"peak resident memory {peak / 1024 / 1024} MB (bound {MemoryBound / 1024 / 1024} MB)");
        Console.WriteLine($"1,000,000-row import: peak RSS {peak / 1024 / 1024} MB");

        // The claims stay on their indexes with a million Pending items for one provider, while five other configured
        // providers have free slots and nothing to send (the case that once scanned the whole due index).
        await bed.ExecAsync("analyze items");
        using var host = bed.BuildHost(worker: true);
        var claimer = host.Services.GetRequiredService<Engine.ItemClaimer>();
        var (followUps, submissions) = await claimer.ExplainAsync(50, CancellationToken.None);
        foreach (var (claim, json) in new[] { ("follow-up", followUps), ("submission", submissions) })
        {
            var plan = ClaimPlan.Of(json);
            Console.WriteLine($"{claim} claim at 1,000,000 Pending: {plan}");
            Assert.True(plan.Buffers < 2_000, $"the {claim} claim read {plan.Buffers} buffers: {plan}");
            Assert.True(plan.MostRowsRemoved < 1_000, $"the {claim} claim filtered out {plan.MostRowsRemoved} rows in one node: {plan}");
        }
        // And the claim so explained takes the provider's 50 free slots.
        var claimed = await claimer.ClaimSubmissionsAsync("worker", 50, TimeSpan.FromMinutes(1), CancellationToken.None);
        Assert.Equal(50, claimed.Count);
        Assert.All(claimed, c => Assert.Equal("million", c.ManifestName));
    }

    [Fact]
    public async Task A_problem_on_the_last_line_of_a_large_file_imports_nothing_and_names_the_line()
    {
        await using var bed = await TestBed.StartAsync();
        var path = Write(200_000, lastRow: "SKU-0000007,https://img.example.com/again.jpg,duplicate id,1:1,again");

        var (result, _) = await RunMeasuredAsync(bed.EnvironmentVariables(), "submit", path);

        Assert.Equal(3, result.ExitCode);
        Assert.Contains("line 200002, column id: 'SKU-0000007' is already used on line 8; ids must be unique", result.Stderr);
        Assert.Equal(0L, await bed.ScalarAsync<long>("select count(*) from items"));
        Assert.Equal(0L, await bed.ScalarAsync<long>("select count(*) from manifests"));
    }

    [Fact]
    public async Task Only_the_first_hundred_problems_are_listed_with_a_count_of_the_rest()
    {
        await using var bed = await TestBed.StartAsync();
        var path = Path.Combine(_dir.FullName, "bad.csv");
        await File.WriteAllLinesAsync(path, ["id,image_url,prompt", .. Enumerable.Range(1, 250).Select(i => $"SKU-{i},ftp://img.example.com/{i}.jpg,grey"),
            .. Enumerable.Range(251, 10).Select(i => $"SKU-{i},https://img.example.com/{i}.jpg,grey")]);

        var result = await Cli.RunAsync(bed.EnvironmentVariables(), TimeSpan.FromSeconds(60), "submit", path);

        Assert.Equal(3, result.ExitCode);
        Assert.Contains("bad.csv: 250 problems on 250 of 260 rows:", result.Stderr);
        Assert.Equal(100, result.Stderr.Split('\n').Count(l => l.Contains("is not an http(s) URL", StringComparison.Ordinal)));
        Assert.Contains("… and 150 more", result.Stderr);
    }
}
