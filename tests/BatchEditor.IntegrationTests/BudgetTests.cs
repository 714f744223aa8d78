using BatchEditor.Budgets;
using BatchEditor.IntegrationTests.Infrastructure;
using BatchEditor.Manifests;
using BatchEditor.Operations;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace BatchEditor.IntegrationTests;

/// <summary>Spending stays inside budgets: a manifest's, a provider's per day, and a provider's credit floor.</summary>
public class BudgetTests
{
    private const decimal PerItem = 5; // PixelDojo's gpt-image-2-edit: 5 credits an image

    [Fact]
    public async Task Three_workers_never_spend_past_a_manifests_budget_and_what_would_is_held_until_raised_and_released()
    {
        await using var bed = await TestBed.StartAsync();
        bed.Settings["Providers:PixelDojo:MaxConcurrency"] = "10";
        var budget = PerItem * 4.5m;
        var manifest = await bed.ImportAsync(Csv.Manifest(12), name: "capped", settings: new ManifestSettings(BudgetCredits: budget));

        await Task.WhenAll(Enumerable.Range(0, 3).Select(_ => bed.RunWorkerUntilIdleAsync(TimeSpan.FromSeconds(60))));

        Assert.Equal(4, await bed.ScalarAsync<long>("select count(*) from items where state = 'Succeeded'"));
        Assert.Equal(8, await bed.ScalarAsync<long>("select count(*) from items where state = 'Held' and reason like '%budget of 22.5 credits would be exceeded%'"));
        Assert.Equal(4 * PerItem, await bed.ScalarAsync<decimal>("select sum(credits) from usage_ledger"));
        Assert.Equal(4, bed.Sim.State.TotalSubmits);
        await BatchAssert.LedgerReconcilesAsync(bed);

        // Raised and released, the rest runs.
        using (var host = bed.BuildHost())
        {
            await host.Services.GetRequiredService<ManifestBudgets>().SetAsync(manifest.Id, new(PerItem * 12, null), CancellationToken.None);
            Assert.Equal(8, await host.Services.GetRequiredService<OperatorActions>().ReleaseAsync(manifest.Id, "test", CancellationToken.None));
        }
        await bed.RunWorkerUntilIdleAsync(TimeSpan.FromSeconds(60));
        Assert.Equal(12, await bed.ScalarAsync<long>("select count(*) from items where state = 'Succeeded'"));
        Assert.Equal(12 * PerItem, await bed.ScalarAsync<decimal>("select sum(credits) from usage_ledger"));
    }

    [Fact]
    public async Task A_provider_whose_daily_budget_is_spent_is_paused_until_midnight_and_its_items_wait()
    {
        await using var bed = await TestBed.StartAsync();
        bed.Settings["Providers:PixelDojo:DailyBudgetCredits"] = (PerItem * 2).ToString(System.Globalization.CultureInfo.InvariantCulture);
        await bed.ImportAsync(Csv.Manifest(5));

        using (var host = bed.BuildHost(worker: true))
        {
            await host.StartAsync();
            await bed.WaitForAsync(async () => await bed.ScalarAsync<long>("select count(*) from provider_pauses") == 1, what: "the provider's pause");
            await bed.WaitForAsync(async () => await bed.ScalarAsync<long>("select count(*) from items where state = 'Succeeded'") == 2, what: "the two that fit");
            await Task.Delay(TimeSpan.FromSeconds(1)); // claims keep running: nothing more may go out
            await host.StopAsync();
        }
        Assert.Equal(2, bed.Sim.State.TotalSubmits);
        Assert.Equal(3, await bed.ScalarAsync<long>("select count(*) from items where state = 'Pending'"));
        Assert.Contains("daily budget of 10 credits would be exceeded", await bed.ScalarAsync<string>("select reason from provider_pauses"));
        Assert.Equal(DateTime.UtcNow.Date.AddDays(1), (await bed.ScalarAsync<DateTime>("select resume_at from provider_pauses")).ToUniversalTime());

        // A day later: yesterday's spend no longer counts and the pause is over, so the next two go out, and no more.
        await bed.ExecAsync("select fold_totals()");
        await bed.ExecAsync("update usage_ledger set created_at = created_at - interval '1 day'");
        await bed.ExecAsync("update usage_totals set day = day - 1");
        await bed.ExecAsync("update provider_pauses set resume_at = now() - interval '1 second'");
        using (var host = bed.BuildHost(worker: true))
        {
            await host.StartAsync();
            await bed.WaitForAsync(async () => await bed.ScalarAsync<long>("select count(*) from items where state = 'Succeeded'") == 4, what: "the next day's two");
            await bed.WaitForAsync(async () => await bed.ScalarAsync<bool>("select exists (select from provider_pauses where resume_at > now())"), what: "the new pause");
            await host.StopAsync();
        }
        Assert.Equal(4, bed.Sim.State.TotalSubmits);
    }

    [Fact]
    public async Task A_provider_reporting_fewer_credits_than_its_floor_is_paused()
    {
        await using var bed = await TestBed.StartAsync();
        bed.Settings["Providers:PixelDojo:CreditsFloor"] = (bed.Sim.State.Options.StartingCredits - PerItem * 2).ToString(System.Globalization.CultureInfo.InvariantCulture);
        bed.Settings["Providers:PixelDojo:MaxConcurrency"] = "1";
        await bed.ImportAsync(Csv.Manifest(6));

        using (var host = bed.BuildHost(worker: true))
        {
            await host.StartAsync();
            await bed.WaitForAsync(async () => await bed.ScalarAsync<long>("select count(*) from provider_pauses") == 1, what: "the provider's pause");
            await bed.WaitForAsync(async () => await bed.ScalarAsync<long>("select count(*) from items where state in ('Submitting', 'Running', 'Copying')") == 0,
                what: "the jobs in flight to finish");
            await host.StopAsync();
        }
        Assert.Contains("below the floor of", await bed.ScalarAsync<string>("select reason from provider_pauses"));
        Assert.True(await bed.ScalarAsync<bool>("select resume_at is null from provider_pauses")); // until an operator resumes it
        Assert.InRange(bed.Sim.State.TotalSubmits, 3, 4); // the one that crossed the floor, and at most one claimed beside it
        Assert.True(await bed.ScalarAsync<long>("select count(*) from items where state = 'Pending'") >= 2);
    }

    [Fact]
    public async Task Spend_and_reservations_are_read_in_one_snapshot_so_a_submit_accepted_meanwhile_is_counted_once()
    {
        await using var bed = await TestBed.StartAsync();
        using var host = bed.BuildHost();
        var guard = host.Services.GetRequiredService<BudgetGuard>();
        var claims = host.Services.GetRequiredService<Items.ItemClaims>();
        var random = new Random(19);
        var wrong = 0;
        const int rounds = 150;
        for (var round = 0; round < rounds; round++)
        {
            // A budget of 9 credits: item A (5) is being submitted, so item B (5) must not be sent, whether A's estimate
            // is still reserved or already replaced by its charge.
            var manifest = Guid.NewGuid();
            await bed.ExecAsync("insert into manifests (id, name, content_hash, source_file, default_provider, item_count, budget_credits) values ($1, $2, $3, 'race.csv', 'pixeldojo', 2, 9)",
                manifest, $"race-{round}", manifest.ToString());
            await bed.ExecAsync(
                """
                insert into items (manifest_id, row_id, line, provider, model, prompt, image_urls, state, reserved_credits)
                values ($1, 'A', 1, 'pixeldojo', 'gpt-image-2-edit', 'a', '{https://img.example.com/a.jpg}', 'Submitting', 5),
                       ($1, 'B', 2, 'pixeldojo', 'gpt-image-2-edit', 'b', '{https://img.example.com/b.jpg}', 'Pending', null)
                """, manifest);
            var b = await bed.ScalarAsync<long>("select id from items where manifest_id = $1 and row_id = 'B'", manifest);
            var candidate = new Items.SubmitCandidate(b, manifest, $"race-{round}", "pixeldojo",
                new Providers.EditRequest("B", "gpt-image-2-edit", "b", ["https://img.example.com/b.jpg"], null, null, null, 1, null), 9, null);

            var delay = TimeSpan.FromMilliseconds(random.NextDouble() * 3);
            var accept = Task.Run(async () =>
            {
                await Task.Delay(delay);
                // A's submit is accepted: its reservation is replaced by its charge, in one transaction (as the transition does).
                await bed.ExecAsync(
                    """
                    with moved as (update items set state = 'Running', reserved_credits = null where manifest_id = $1 and row_id = 'A' returning id, manifest_id)
                    insert into usage_ledger (item_id, manifest_id, provider, kind, credits, estimated, note)
                    select id, manifest_id, 'pixeldojo', 'charge', 5, false, 'accepted' from moved
                    """, manifest);
            });
            await using (var claim = await claims.BeginSubmitClaimAsync(CancellationToken.None))
            {
                var decision = await guard.DecideAsync(claim, [candidate], CancellationToken.None);
                if (decision.Send.Count > 0) wrong++;
            } // not committed: rolled back
            await accept;
        }
        Assert.Equal(0, wrong); // before one snapshot: the submit accepted between the two reads was counted in neither
    }
}
