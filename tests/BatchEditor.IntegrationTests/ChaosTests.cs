using BatchEditor.IntegrationTests.Infrastructure;
using BatchEditor.ProviderSim;
using Xunit.Abstractions;

namespace BatchEditor.IntegrationTests;

/// <summary>
/// A batch against a provider that misbehaves at random (seeded): 5xx, 429 with Retry-After, stalled submits, failed,
/// expired, empty, truncated and stalling outputs. Every item ends in the state its fault calls for, with that reason,
/// retries stay bounded, and the ledger matches the provider's own record of charges to the credit.
/// </summary>
public class ChaosTests(ITestOutputHelper output)
{
    [Fact]
    public async Task Every_item_ends_right_with_bounded_retries_and_the_ledger_matches_the_providers_charges()
    {
        var items = FaultReport.Full ? 3000 : 400;
        var chaos = new ChaosOptions { Seed = 7 };
        await using var bed = await TestBed.StartAsync(new SimulatorOptions { JobLatency = TimeSpan.FromMilliseconds(300), ImageScale = 0.1, Chaos = chaos });
        bed.Settings["Providers:PixelDojo:RequestTimeout"] = "00:00:01.500"; // a stalled submit becomes ambiguous quickly
        bed.Settings["Providers:PixelDojo:BreakerCooldown"] = "00:00:01";
        bed.Settings["Downloads:IdleTimeout"] = "00:00:00.500";
        bed.Settings["Worker:MaxRetryDelay"] = "00:00:01";
        bed.Settings["Worker:MaxCopyAttempts"] = "4";
        await bed.ImportAsync(Csv.Manifest(items));

        int rounds = 0, adopted = 0, resubmitted = 0;
        for (; rounds < 6; rounds++)
        {
            await bed.RunWorkerUntilIdleAsync(TimeSpan.FromMinutes(FaultReport.Full ? 30 : 5), o => o.Concurrency = 32);
            if (await bed.ScalarAsync<long>("select count(*) from items where state = 'NeedsReview'") == 0) break;
            var (a, r) = await bed.SettleReviewsAsync(); // resubmitted items meet chaos again
            adopted += a;
            resubmitted += r;
        }

        var expected = new Dictionary<string, (string State, string Reason)>
        {
            ["failed"] = ("Failed", "Content policy violation"),
            ["expired"] = ("Expired", "expired"),
            ["empty"] = ("Failed", "without any output"),
            // The last of several rounds names the fault it met: mid-body, or a connection the provider cut.
            ["truncated"] = ("Failed", "copy of output 1 failed"),
            ["stalledbody"] = ("Failed", "copy of output 1 failed"),
            [""] = ("Succeeded", "stored and verified"),
        };
        var counts = new Dictionary<string, int>();
        await using (var cmd = bed.Db.CreateCommand("select prompt, state, reason from items"))
        await using (var r = await cmd.ExecuteReaderAsync())
            while (await r.ReadAsync())
            {
                var fate = bed.Sim.State.Fates.GetValueOrDefault(r.GetString(0), "");
                var (state, reason) = expected[fate];
                Assert.True(r.GetString(1) == state && r.GetString(2).Contains(reason, StringComparison.Ordinal),
                    $"'{r.GetString(0)}' (fate '{fate}'): {r.GetString(1)}, {r.GetString(2)}");
                counts[fate == "" ? "ok" : fate] = counts.GetValueOrDefault(fate == "" ? "ok" : fate) + 1;
            }

        // Bounded: no item needed more than a handful of submits, nor a job more than a few dozen polls.
        var maxAttempts = await bed.ScalarAsync<long>("select max(c) from (select count(*) c from provider_attempts group by item_id) x");
        var maxPolls = await bed.ScalarAsync<int>("select max(poll_count) from items");
        Assert.InRange(maxAttempts, 1, 12);
        Assert.InRange(maxPolls, 1, 40);
        Assert.Equal(0, bed.Sim.State.Jobs.Values.GroupBy(j => j.Prompt).Count(g => g.Count() > 1));
        await BatchAssert.LedgerReconcilesAsync(bed);
        var ledger = await bed.ScalarAsync<decimal>("select sum(credits) from usage_ledger");
        Assert.Equal(bed.Sim.State.ChargesByPrompt.Values.Sum(), ledger);

        FaultReport.Write(output, "Chaos", $"{items} items, seed {chaos.Seed}: {string.Join(", ", counts.OrderBy(c => c.Key).Select(c => $"{c.Value} {c.Key}"))}; " +
            $"{bed.Sim.State.TotalSubmits} submits, {adopted} adopted and {resubmitted} resubmitted after review in {rounds + 1} round(s); " +
            $"max {maxAttempts} submit attempts per item, max {maxPolls} polls per job; ledger {ledger} credits = provider's charges");
    }
}
