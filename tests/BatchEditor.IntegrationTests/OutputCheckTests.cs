using System.Text.Json;
using BatchEditor.IntegrationTests.Infrastructure;

namespace BatchEditor.IntegrationTests;

/// <summary>
/// Every stored output is checked before its item counts: each of the simulator's bad outputs (blank, the wrong shape,
/// the input returned unchanged) is caught on the real binary, a good output passes, the bad ones stay stored (they
/// were paid for) with the reason, and one command runs them again.
/// </summary>
public sealed class OutputCheckTests : IDisposable
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(120);
    private readonly DirectoryInfo _csvs = Directory.CreateTempSubdirectory("batch-editor-checks-");

    public void Dispose() => _csvs.Delete(recursive: true);

    [Fact]
    public async Task Blank_misshapen_and_unchanged_outputs_fail_their_check_are_kept_and_run_again_with_one_command()
    {
        await using var bed = await TestBed.StartAsync();
        var env = bed.EnvironmentVariables();
        string Row(string id, string tag) => $"{id},{bed.Sim.BaseUrl}/inputs/{id.ToLowerInvariant()}.png,Put {id} on white {tag},1:1";
        var csv = Path.Combine(_csvs.FullName, "checks.csv");
        await File.WriteAllTextAsync(csv, string.Join("\n",
            "id,image_url,prompt,size", Row("GOOD", ""), Row("BLANK", "[sim:blank]"), Row("SHAPE", "[sim:wrongsize]"), Row("SAME", "[sim:unchanged]")) + "\n");

        Assert.Equal(0, (await Cli.RunAsync(env, Timeout, "submit", csv, "--name", "checks")).ExitCode);
        Assert.Equal(6, (await Cli.RunAsync(env, Timeout, "worker", "--until-idle")).ExitCode);

        async Task<(string State, string Reason)> Item(string id) =>
            (await bed.ScalarAsync<string>("select state from items where row_id = $1", id), await bed.ScalarAsync<string>("select reason from items where row_id = $1", id));
        Assert.Equal("Succeeded", (await Item("GOOD")).State);
        Assert.Equal(("Failed", true), await Check("BLANK", "is blank or near-uniform"));
        Assert.Equal(("Failed", true), await Check("SHAPE", "is 256x128 (2:1), not the shape asked for (1:1)"));
        Assert.Equal(("Failed", true), await Check("SAME", "is the input image returned unchanged"));
        async Task<(string, bool)> Check(string id, string says)
        {
            var (state, reason) = await Item(id);
            Assert.StartsWith("output check failed: output 1 " + says, reason);
            return (state, true);
        }
        // The failed outputs were paid for: they are stored, and their files are there to look at.
        foreach (var id in new[] { "BLANK", "SHAPE", "SAME" })
        {
            var location = await bed.ScalarAsync<string>("select o.location from outputs o join items i on i.id = o.item_id where i.row_id = $1 and o.state = 'Stored'", id);
            Assert.True(File.Exists(location), location);
        }
        Assert.Equal(3L, await bed.ScalarAsync<long>(
            "select count(*) from outputs o join items i on i.id = o.item_id where i.row_id in ('BLANK', 'SHAPE', 'SAME') and o.state = 'Stored'"));

        var groups = JsonDocument.Parse((await Cli.RunAsync(env, Timeout, "failures", "checks", "--json")).Stdout).RootElement.EnumerateArray()
            .ToDictionary(g => g.GetProperty("cause").GetString()!, g => g.GetProperty("items").GetInt64());
        Assert.Equal(new Dictionary<string, long> { ["output-check"] = 3 }, groups);

        // Any filter of the manifest as a contact sheet: the failed ones, each input beside its kept output.
        await using (var web = await bed.StartWebAsync())
        {
            var (status, sheet) = await web.GetAsync("/dashboard/manifests/checks/sheet?state=Failed");
            Assert.Equal(System.Net.HttpStatusCode.OK, status);
            Assert.Equal(3, System.Text.RegularExpressions.Regex.Matches(sheet, "<figure class=\"tile\"").Count);
            Assert.Equal(3, System.Text.RegularExpressions.Regex.Matches(sheet, "/thumbnail\" alt=\"output of").Count);
            var (thumb, jpeg) = await web.GetAsync($"/api/outputs/{await bed.ScalarAsync<long>("select o.id from outputs o join items i on i.id = o.item_id where i.row_id = 'BLANK'")}/thumbnail");
            Assert.Equal(System.Net.HttpStatusCode.OK, thumb);
            Assert.False(string.IsNullOrEmpty(jpeg));
        }

        // Run again, as new runs (a check failure is never copied on as if the run were good).
        var retry = JsonDocument.Parse((await Cli.RunAsync(env, Timeout, "retry", "checks", "--cause", "output-check", "--json")).Stdout).RootElement;
        Assert.Equal(3, retry.GetProperty("resubmitted").GetInt32());
        Assert.Equal(0, retry.GetProperty("recopied").GetInt32());
    }

    [Fact]
    public async Task An_edit_that_changes_the_image_outside_its_mask_fails_and_one_inside_it_passes()
    {
        await using var bed = await TestBed.StartAsync();
        var env = bed.EnvironmentVariables();
        string Row(string id, string tag) =>
            $"{id},{bed.Sim.BaseUrl}/inputs/{id.ToLowerInvariant()}.png,{bed.Sim.BaseUrl}/inputs/{id.ToLowerInvariant()}-mask.png,Recolour {id} {tag},1:1";
        var csv = Path.Combine(_csvs.FullName, "masks.csv");
        await File.WriteAllTextAsync(csv, string.Join("\n", "id,image_url,mask_url,prompt,size", Row("INSIDE", ""), Row("OUTSIDE", "[sim:outsidemask]")) + "\n");

        Assert.Equal(0, (await Cli.RunAsync(env, Timeout, "submit", csv, "--name", "masks")).ExitCode);
        Assert.Equal(6, (await Cli.RunAsync(env, Timeout, "worker", "--until-idle")).ExitCode);

        Assert.Equal("Succeeded", await bed.ScalarAsync<string>("select state from items where row_id = 'INSIDE'"));
        Assert.Equal("Failed", await bed.ScalarAsync<string>("select state from items where row_id = 'OUTSIDE'"));
        Assert.StartsWith("output check failed: output 1 changed the image outside its mask (mean difference",
            await bed.ScalarAsync<string>("select reason from items where row_id = 'OUTSIDE'"));
    }

    [Fact]
    public async Task A_channel_preset_fails_outputs_that_break_its_limits_and_passes_those_that_meet_them()
    {
        // The simulator here renders a quarter of the asked size: 256 px for a 1:1 edit.
        await using var bed = await TestBed.StartAsync();
        var env = bed.EnvironmentVariables();
        string Csv(string tag) => Path.Combine(_csvs.FullName, $"{tag}.csv") is var path && Write(path, $"id,image_url,prompt,size\n{tag}-1,https://img.example.com/1.jpg,Grey {tag},1:1\n") ? path : "";
        static bool Write(string path, string text) { File.WriteAllText(path, text); return true; }

        Assert.Equal(0, (await Cli.RunAsync(env, Timeout, "submit", Csv("amazon"), "--name", "for-amazon", "--check", "amazon")).ExitCode);
        Assert.Equal(0, (await Cli.RunAsync(env, Timeout, "submit", Csv("shopify"), "--name", "for-shopify", "--check", "shopify")).ExitCode);
        Assert.Equal(6, (await Cli.RunAsync(env, Timeout, "worker", "--until-idle")).ExitCode);

        Assert.StartsWith("output check failed: output 1 is 256 px on its longer side; amazon asks at least 1000",
            await bed.ScalarAsync<string>("select reason from items where row_id = 'amazon-1'"));
        Assert.Equal("Succeeded", await bed.ScalarAsync<string>("select state from items where row_id = 'shopify-1'"));
        var wrong = await Cli.RunAsync(env, Timeout, "submit", Csv("ebay"), "--check", "ebay");
        Assert.Equal(2, wrong.ExitCode);
        Assert.Contains("--check ebay: not a channel; one of shopify, amazon, etsy", wrong.Stderr + wrong.Stdout);
    }

    [Fact]
    public async Task An_output_in_another_format_than_asked_fails_and_one_in_the_asked_format_passes()
    {
        await using var bed = await TestBed.StartAsync();
        var env = bed.EnvironmentVariables();
        var csv = Path.Combine(_csvs.FullName, "formats.csv");
        await File.WriteAllTextAsync(csv, "id,image_url,prompt,size,output_format\n" +
            "ASKED,https://img.example.com/1.jpg,Grey,1:1,jpeg\nOTHER,https://img.example.com/2.jpg,Grey [sim:wrongformat],1:1,webp\n");

        Assert.Equal(0, (await Cli.RunAsync(env, Timeout, "submit", csv, "--name", "formats")).ExitCode);
        Assert.Equal(6, (await Cli.RunAsync(env, Timeout, "worker", "--until-idle")).ExitCode);

        Assert.Equal(("Succeeded", "image/jpeg"), (await bed.ScalarAsync<string>("select state from items where row_id = 'ASKED'"),
            await bed.ScalarAsync<string>("select o.content_type from outputs o join items i on i.id = o.item_id where i.row_id = 'ASKED'")));
        Assert.StartsWith("output check failed: output 1 is png, not the webp asked for",
            await bed.ScalarAsync<string>("select reason from items where row_id = 'OTHER'"));
    }
}
