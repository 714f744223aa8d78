using BatchEditor.IntegrationTests.Infrastructure;

namespace BatchEditor.IntegrationTests;

/// <summary>Operator actions through the real binary: review and resolve, hold, release, retry, cancel.</summary>
public class OperatorCliTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(120);

    [Fact]
    public async Task Review_lists_parked_items_with_their_attempts_and_resolve_settles_them()
    {
        await using var bed = await TestBed.StartAsync();
        var env = bed.EnvironmentVariables();
        await bed.ImportAsync(Csv.Row("AMB-1", "Crop [sim:500]"), name: "ops");
        var parked = await Cli.RunAsync(env, Timeout, "worker", "--until-idle");
        Assert.Equal(6, parked.ExitCode); // finished, but an item waits for review: a nightly script can tell
        Assert.Contains("ops: 1 item(s): 1 NeedsReview", parked.Stdout);
        var id = (await bed.ScalarAsync<long>("select id from items")).ToString(System.Globalization.CultureInfo.InvariantCulture);

        var review = await Cli.RunAsync(env, Timeout, "review", "ops");
        Assert.True(review.ExitCode == 0, review.ToString());
        Assert.Contains($"item {id}  ops/AMB-1  pixeldojo", review.Stdout);
        Assert.Contains("ambiguous 500", review.Stdout);
        Assert.Contains("review resolve <item…> --adopt <job id> | --resubmit | --fail", review.Stdout);

        var both = await Cli.RunAsync(env, Timeout, "review", "resolve", id, "--resubmit", "--fail");
        Assert.Equal(2, both.ExitCode);
        Assert.Contains("choose exactly one of --resubmit, --fail, --adopt <job id>, --keep or --release", both.Stderr + both.Stdout);

        var job = Assert.Single(bed.Sim.State.Jobs.Keys);
        var adopt = await Cli.RunAsync(env, Timeout, "review", "resolve", id, "--adopt", job);
        Assert.True(adopt.ExitCode == 0, adopt.ToString());
        Assert.Contains($"pixeldojo job {job} adopted", adopt.Stdout);
        var again = await Cli.RunAsync(env, Timeout, "review", "resolve", id, "--fail");
        Assert.Equal(1, again.ExitCode); // guarded: it is no longer in review
        Assert.Contains("is Running, not NeedsReview", again.Stderr);

        Assert.Equal(0, (await Cli.RunAsync(env, Timeout, "worker", "--until-idle")).ExitCode);
        Assert.Equal("Succeeded", Assert.Single(await bed.ItemsAsync()).State);
        Assert.Equal(1, bed.Sim.State.TotalSubmits);
        Assert.Contains("Nothing needs review.", (await Cli.RunAsync(env, Timeout, "review")).Stdout);
    }

    [Fact]
    public async Task Hold_release_retry_and_cancel_act_on_a_whole_manifest()
    {
        await using var bed = await TestBed.StartAsync();
        var env = bed.EnvironmentVariables();
        await bed.ImportAsync("id,image_url,prompt\nA,https://img.example.com/a.jpg,Recolour [sim:fail]\nB,https://img.example.com/b.jpg,Grey B\nC,https://img.example.com/c.jpg,Grey C\n", name: "ops");

        Assert.Contains("ops: 3 item(s) held.", (await Cli.RunAsync(env, Timeout, "hold", "ops")).Stdout);
        Assert.Equal(0, (await Cli.RunAsync(env, Timeout, "worker", "--until-idle")).ExitCode); // held items wait for a person
        Assert.Equal(["Held"], await bed.ScalarAsync<string[]>("select array_agg(distinct state) from items"));
        Assert.Equal(0, bed.Sim.State.TotalSubmits);

        Assert.Contains("ops: 3 item(s) released.", (await Cli.RunAsync(env, Timeout, "release", "ops")).Stdout);
        Assert.Equal(6, (await Cli.RunAsync(env, Timeout, "worker", "--until-idle")).ExitCode); // one failed
        Assert.Equal(["Failed", "Succeeded", "Succeeded"], (await bed.ItemsAsync()).Select(i => i.State).ToArray());

        var succeeded = await Cli.RunAsync(env, Timeout, "retry", "ops", "--state", "Succeeded");
        Assert.Equal(2, succeeded.ExitCode); // paying again for a stored edit is never one flag away
        Assert.Contains("only Failed, Expired and Cancelled items can be retried", succeeded.Stderr + succeeded.Stdout);
        // Its job failed and was refunded: nothing was paid for it, so the retry says nothing about paying again.
        Assert.Contains("ops: 1 item(s) will be submitted again as a new run.\nNo worker is running: start one with `batch-editor worker`", (await Cli.RunAsync(env, Timeout, "retry", "ops")).Stdout);
        Assert.Equal(("Pending", 2), (await bed.ScalarAsync<string>("select state from items where row_id = 'A'"), await bed.ScalarAsync<int>("select run from items where row_id = 'A'")));

        Assert.Contains("ops: 1 item(s) cancelled.", (await Cli.RunAsync(env, Timeout, "cancel", "ops")).Stdout);
        Assert.Equal(["Cancelled", "Succeeded", "Succeeded"], (await bed.ItemsAsync()).Select(i => i.State).ToArray());
        var history = await bed.ScalarAsync<string[]>("select array_agg(h.to_state order by h.id) from item_history h join items i on i.id = h.item_id where i.row_id = 'A'");
        Assert.Equal(["Held", "Pending", "Submitting", "Running", "Failed", "Pending", "Cancelled"], history);
        Assert.True(await bed.ScalarAsync<bool>("select bool_and(actor like 'operator %') from item_history where to_state in ('Held', 'Cancelled')"));
        Assert.Contains("no manifest named 'nope'", (await Cli.RunAsync(env, Timeout, "cancel", "nope")).Stderr);
    }
}
