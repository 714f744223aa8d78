using BatchEditor.Engine;
using BatchEditor.IntegrationTests.Infrastructure;
using BatchEditor.Items;
using Microsoft.Extensions.DependencyInjection;

namespace BatchEditor.IntegrationTests;

public class ClaimAndRescueTests
{
    private static readonly TimeSpan Lease = TimeSpan.FromMinutes(5);

    [Fact]
    public async Task Provider_caps_hold_across_workers_inside_the_claim()
    {
        await using var bed = await TestBed.StartAsync();
        bed.Settings["Providers:PixelDojo:MaxConcurrency"] = "2";
        await bed.ImportAsync(Csv.Manifest(10));
        using var host = bed.BuildHost(worker: true);
        var claimer = host.Services.GetRequiredService<ItemClaimer>();

        var first = await claimer.ClaimSubmissionsAsync("worker-a", 10, Lease, CancellationToken.None);
        var second = await claimer.ClaimSubmissionsAsync("worker-b", 10, Lease, CancellationToken.None);

        Assert.Equal(2, first.Count);
        Assert.Empty(second);
        Assert.Equal(2L, await bed.ScalarAsync<long>("select count(*) from provider_attempts"));
    }

    [Fact]
    public async Task Submissions_per_minute_are_capped_cluster_wide()
    {
        await using var bed = await TestBed.StartAsync();
        bed.Settings["Providers:PixelDojo:RequestsPerMinute"] = "3";
        await bed.ImportAsync(Csv.Manifest(10));
        using var host = bed.BuildHost(worker: true);
        var claimer = host.Services.GetRequiredService<ItemClaimer>();

        var claims = await Task.WhenAll(Enumerable.Range(0, 4).Select(i => claimer.ClaimSubmissionsAsync($"w{i}", 10, Lease, CancellationToken.None)));

        Assert.Equal(3, claims.Sum(c => c.Count));
    }

    [Fact]
    public async Task Concurrent_claims_never_hand_the_same_item_to_two_workers()
    {
        await using var bed = await TestBed.StartAsync();
        await bed.ImportAsync(Csv.Manifest(200));
        using var host = bed.BuildHost(worker: true);
        var claimer = host.Services.GetRequiredService<ItemClaimer>();

        var claims = await Task.WhenAll(Enumerable.Range(0, 20).Select(i => claimer.ClaimSubmissionsAsync($"w{i}", 20, Lease, CancellationToken.None)));
        var ids = claims.SelectMany(c => c).Select(i => i.Id).ToList();

        Assert.Equal(50, ids.Count); // MaxConcurrency 50 in the test bed
        Assert.Equal(ids.Count, ids.Distinct().Count());
    }

    [Fact]
    public async Task A_transition_by_a_worker_that_lost_its_lease_is_discarded()
    {
        await using var bed = await TestBed.StartAsync();
        await bed.ImportAsync(Csv.Manifest(1));
        using var host = bed.BuildHost(worker: true);
        var item = Assert.Single(await host.Services.GetRequiredService<ItemClaimer>().ClaimSubmissionsAsync("owner", 1, Lease, CancellationToken.None));
        var transitions = host.Services.GetRequiredService<ItemTransitions>();

        Assert.False(await transitions.SubmitRejected(item, "someone-else", "should not apply", 400, CancellationToken.None));
        Assert.Equal("Submitting", await bed.ScalarAsync<string>("select state from items"));
        Assert.True(await transitions.SubmitRejected(item, "owner", "400 from pixeldojo: bad", 400, CancellationToken.None));
        Assert.False(await transitions.SubmitRejected(item, "owner", "twice", 400, CancellationToken.None));
        Assert.Equal(["Submitting", "Failed"], await bed.ScalarAsync<string[]>("select array_agg(to_state order by id) from item_history"));
    }

    [Fact]
    public async Task Rescuer_requeues_a_lapsed_submit_that_was_never_sent_and_parks_one_that_may_have_been()
    {
        await using var bed = await TestBed.StartAsync();
        await bed.ImportAsync(Csv.Manifest(3));
        using var host = bed.BuildHost(worker: true);
        var claimer = host.Services.GetRequiredService<ItemClaimer>();
        var claimed = await claimer.ClaimSubmissionsAsync("dead-worker", 3, TimeSpan.FromMilliseconds(1), CancellationToken.None);
        Assert.Equal(3, claimed.Count);
        await claimer.MarkSentAsync(claimed[1].AttemptId!.Value, CancellationToken.None);
        // The third keeps a live lease: the rescuer must leave it alone.
        await using (var keep = bed.Db.CreateCommand("update items set lease_expires_at = now() + interval '1 hour' where id = $1"))
        {
            keep.Parameters.AddWithValue(claimed[2].Id);
            await keep.ExecuteNonQueryAsync();
        }
        await Task.Delay(50);

        var result = await host.Services.GetRequiredService<LeaseRescuer>().RescueAsync("rescuer-test", CancellationToken.None);

        Assert.Equal(new LeaseRescuer.Result(1, 1), result);
        Assert.Equal("Pending", await State(bed, claimed[0].Id));
        Assert.Equal("NeedsReview", await State(bed, claimed[1].Id));
        Assert.Equal("Submitting", await State(bed, claimed[2].Id));
        Assert.Contains("dead-worker", await bed.ScalarAsync<string>("select reason from items where id = $1", claimed[1].Id));
        Assert.Equal(2L, await bed.ScalarAsync<long>("select count(*) from item_history where actor = 'rescuer-test'"));
    }

    private static Task<string> State(TestBed bed, long id) => bed.ScalarAsync<string>("select state from items where id = $1", id);
}
