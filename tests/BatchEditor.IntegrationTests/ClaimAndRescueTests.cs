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
    public async Task Free_slots_go_to_the_highest_priority_and_are_shared_fairly_between_manifests()
    {
        await using var bed = await TestBed.StartAsync();
        bed.Settings["Providers:PixelDojo:MaxConcurrency"] = "4";
        await bed.ImportAsync(Csv.Manifest(1000), name: "nightly");
        await bed.ImportAsync(Csv.Manifest(3, _ => "urgent"), name: "small");
        using var host = bed.BuildHost(worker: true);
        var claimer = host.Services.GetRequiredService<ItemClaimer>();
        async Task<string> ClaimAsync() =>
            string.Join(" ", (await claimer.ClaimSubmissionsAsync("w", 10, Lease, CancellationToken.None))
                .GroupBy(i => i.ManifestName).OrderBy(g => g.Key).Select(g => $"{g.Key}:{g.Count()}"));
        Task FinishSubmittingAsync() => bed.ExecAsync("update items set state = 'Succeeded', lease_owner = null where state = 'Submitting'");

        // The large batch imported first does not take every slot: each manifest gets half.
        Assert.Equal("nightly:2 small:2", await ClaimAsync());
        // One slot frees up from each: the small batch's last item goes beside the large one's next.
        await bed.ExecAsync("update items set state = 'Succeeded' where id in (select min(id) from items where state = 'Submitting' group by manifest_id)");
        Assert.Equal("nightly:1 small:1", await ClaimAsync());

        // A higher priority takes every free slot until it has no due item left.
        await FinishSubmittingAsync();
        await bed.ImportAsync(Csv.Manifest(6, _ => "rush"), name: "rush", priority: 10);
        Assert.Equal("rush:4", await ClaimAsync());
        await FinishSubmittingAsync();
        Assert.Equal("nightly:2 rush:2", await ClaimAsync());
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

        // Ownership is the claim's token, not the worker's name.
        Assert.False(await transitions.SubmitRejected(item with { LeaseToken = Guid.NewGuid() }, "owner", "should not apply", 400, CancellationToken.None));
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
        var claimed = await host.Services.GetRequiredService<ItemClaimer>().ClaimSubmissionsAsync("dead-worker", 3, Lease, CancellationToken.None);
        Assert.Equal(3, claimed.Count);
        Assert.True(await host.Services.GetRequiredService<Leases>().TryMarkSentAsync(claimed[1], Lease, CancellationToken.None));
        // The first two lapse; the third keeps a live lease and must be left alone.
        await Lapse(bed, claimed[0].Id, claimed[1].Id);

        var result = await host.Services.GetRequiredService<LeaseRescuer>().RescueAsync("rescuer-test", CancellationToken.None);

        Assert.Equal(new LeaseRescuer.Result(1, 1), result);
        Assert.Equal("Pending", await State(bed, claimed[0].Id));
        Assert.Equal("NeedsReview", await State(bed, claimed[1].Id));
        Assert.Equal("Submitting", await State(bed, claimed[2].Id));
        Assert.Contains("dead-worker", await bed.ScalarAsync<string>("select reason from items where id = $1", claimed[1].Id));
        Assert.Equal(2L, await bed.ScalarAsync<long>("select count(*) from item_history where actor = 'rescuer-test'"));
        // What the parked submit may cost is on the ledger, marked as an estimate, against its attempt.
        Assert.Equal(5m, await bed.ScalarAsync<decimal>("select credits from usage_ledger where item_id = $1 and estimated and attempt_id = $2", claimed[1].Id, claimed[1].AttemptId!.Value));
    }

    [Fact]
    public async Task A_worker_that_lost_its_lease_can_neither_mark_a_send_nor_write_a_result()
    {
        await using var bed = await TestBed.StartAsync();
        await bed.ImportAsync(Csv.Manifest(1));
        using var host = bed.BuildHost(worker: true);
        var claimer = host.Services.GetRequiredService<ItemClaimer>();
        var leases = host.Services.GetRequiredService<Leases>();
        var paused = Assert.Single(await claimer.ClaimSubmissionsAsync("same-host:42", 1, Lease, CancellationToken.None));
        await Lapse(bed, paused.Id);
        Assert.Equal(new LeaseRescuer.Result(1, 0), await host.Services.GetRequiredService<LeaseRescuer>().RescueAsync("rescuer", CancellationToken.None));
        // A restarted process with the same host:pid claims it again: the name is the same, the fencing token is not.
        var again = Assert.Single(await claimer.ClaimSubmissionsAsync("same-host:42", 1, Lease, CancellationToken.None));
        Assert.NotEqual(paused.LeaseToken, again.LeaseToken);

        Assert.False(await leases.TryMarkSentAsync(paused, Lease, CancellationToken.None));
        Assert.False(await host.Services.GetRequiredService<ItemTransitions>().SubmitRejected(paused, "same-host:42", "late", 400, CancellationToken.None));
        Assert.True(await leases.TryMarkSentAsync(again, Lease, CancellationToken.None));
        Assert.Equal(1L, await bed.ScalarAsync<long>("select count(*) from provider_attempts where sent_at is not null"));
    }

    [Fact]
    public async Task The_send_mark_and_the_rescuer_never_both_win_a_race()
    {
        await using var bed = await TestBed.StartAsync();
        await bed.ImportAsync(Csv.Manifest(40));
        using var host = bed.BuildHost(worker: true);
        var claimed = await host.Services.GetRequiredService<ItemClaimer>().ClaimSubmissionsAsync("racer", 40, Lease, CancellationToken.None);
        var leases = host.Services.GetRequiredService<Leases>();
        var rescuer = host.Services.GetRequiredService<LeaseRescuer>();
        // Every lease lapses within the next 200 ms while marks and rescues run at the same time.
        await using (var cmd = bed.Db.CreateCommand("update items set lease_expires_at = now() + random() * interval '200 milliseconds'"))
            await cmd.ExecuteNonQueryAsync();

        var marks = claimed.Select(async item =>
        {
            await Task.Delay(Random.Shared.Next(0, 200));
            return (item.Id, Sent: await leases.TryMarkSentAsync(item, TimeSpan.FromMinutes(1), CancellationToken.None));
        }).ToList();
        var rescues = Enumerable.Range(0, 10).Select(async i => { await Task.Delay(i * 25); await rescuer.RescueAsync("rescuer", CancellationToken.None); }).ToList();
        await Task.WhenAll(rescues);
        var results = await Task.WhenAll(marks);
        await Task.Delay(300);
        await rescuer.RescueAsync("rescuer", CancellationToken.None);

        foreach (var (id, sent) in results)
        {
            var state = await State(bed, id);
            // Marked as sent: the item is never handed out again. Not marked: it must not be left as "maybe sent".
            Assert.True(sent ? state is "Submitting" or "NeedsReview" : state == "Pending", $"item {id}: sent={sent}, state={state}");
        }
        Assert.Contains(results, r => r.Sent);
        Assert.Contains(results, r => !r.Sent);
    }

    [Fact]
    public async Task A_live_step_slower_than_its_lease_keeps_its_item_because_the_lease_is_renewed()
    {
        await using var bed = await TestBed.StartAsync();
        bed.Settings["Worker:LeaseDuration"] = "00:00:01.500";
        bed.Settings["Worker:RescueInterval"] = "00:00:00.500"; // the rescuer looks often
        bed.Settings["Providers:PixelDojo:RequestTimeout"] = "00:00:10";
        const string prompt = "Relight [sim:slowanswer=4s]"; // the submit takes more than two and a half leases
        await bed.ImportAsync(Csv.Row("SLOW-1", prompt));
        await bed.RunWorkerUntilIdleAsync(TimeSpan.FromSeconds(60));

        Assert.Equal("Succeeded", Assert.Single(await bed.ItemsAsync()).State);
        Assert.Equal(1, bed.Sim.State.SubmitsOf(prompt));
        Assert.Equal(0L, await bed.ScalarAsync<long>("select count(*) from item_history where to_state = 'NeedsReview'"));
    }

    private static Task Lapse(TestBed bed, params long[] ids) =>
        bed.ExecAsync("update items set lease_expires_at = now() - interval '1 second' where id = any($1)", ids);

    private static Task<string> State(TestBed bed, long id) => bed.ScalarAsync<string>("select state from items where id = $1", id);
}
