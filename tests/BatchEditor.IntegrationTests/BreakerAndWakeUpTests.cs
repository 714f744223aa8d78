using BatchEditor.IntegrationTests.Infrastructure;

namespace BatchEditor.IntegrationTests;

/// <summary>The cluster-wide circuit breaker, and idle workers woken by new work (LISTEN/NOTIFY).</summary>
public class BreakerAndWakeUpTests
{
    [Fact]
    public async Task Consecutive_failures_open_the_breaker_for_every_worker_and_a_probe_after_the_cool_down_closes_it()
    {
        await using var bed = await TestBed.StartAsync();
        bed.Settings["Providers:PixelDojo:MaxConcurrency"] = "1";
        bed.Settings["Providers:PixelDojo:BreakerFailures"] = "3";
        bed.Settings["Providers:PixelDojo:BreakerCooldown"] = "00:10:00";
        var csv = "id,image_url,prompt\n" + string.Join("", Enumerable.Range(1, 3).Select(i => $"BAD-{i},https://img.example.com/{i}.jpg,Crop {i} [sim:500]\n"))
            + string.Join("", Enumerable.Range(1, 2).Select(i => $"OK-{i},https://img.example.com/{i}.jpg,Crop {i}\n"));
        await bed.ImportAsync(csv);
        using var host = bed.BuildHost(worker: true);
        await host.StartAsync();
        try
        {
            await bed.WaitForAsync(() => bed.ScalarAsync<bool>("select exists (select 1 from provider_breakers where open_until > now())"), what: "breaker open");
            await Task.Delay(1000); // an open breaker lets nothing through, however long
            Assert.Equal(3, bed.Sim.State.TotalSubmits);
            Assert.Equal(2L, await bed.ScalarAsync<long>("select count(*) from items where state = 'Pending'"));

            // Visible to operators, from any process.
            var status = await Cli.RunAsync(bed.EnvironmentVariables(), TimeSpan.FromSeconds(60), "status");
            Assert.Contains("provider pixeldojo: circuit breaker OPEN", System.Text.RegularExpressions.Regex.Replace(status.Stdout, @"\x1b\[[0-9;]*m", ""));

            await bed.ExecAsync("update provider_breakers set open_until = now()"); // the cool-down is over
            await bed.WaitForAsync(() => bed.ScalarAsync<bool>("select count(*) = 2 from items where state = 'Succeeded'"), what: "probe and the rest");
        }
        finally
        {
            await host.StopAsync();
        }
        Assert.Equal(0, await bed.ScalarAsync<int>("select consecutive_failures from provider_breakers"));
        Assert.True(await bed.ScalarAsync<bool>("select open_until is null from provider_breakers"));
        Assert.Equal(3L, await bed.ScalarAsync<long>("select count(*) from items where state = 'NeedsReview'"));
        var log = bed.Log.Tail(400);
        Assert.Contains("Circuit breaker of pixeldojo opened after 3 consecutive failures", log);
        Assert.True(log.IndexOf("Circuit breaker of pixeldojo opened", StringComparison.Ordinal) < log.IndexOf("Circuit breaker of pixeldojo closed", StringComparison.Ordinal), log);
    }

    [Fact]
    public async Task A_failure_below_the_threshold_is_forgotten_without_claiming_a_breaker_closed()
    {
        await using var bed = await TestBed.StartAsync();
        bed.Settings["Worker:MaxRetryDelay"] = "00:00:00.200";
        await bed.ImportAsync(Csv.Row("ONCE-1", "Crop [sim:503]"));
        await bed.RunWorkerUntilIdleAsync(TimeSpan.FromSeconds(60));

        Assert.Equal("Succeeded", Assert.Single(await bed.ItemsAsync()).State);
        Assert.Equal(0, await bed.ScalarAsync<int>("select consecutive_failures from provider_breakers"));
        Assert.DoesNotContain("Circuit breaker", bed.Log.Tail(400)); // it never opened, so it never "closed"
    }

    [Fact]
    public async Task An_idle_worker_claims_new_work_as_soon_as_it_is_imported()
    {
        await using var bed = await TestBed.StartAsync();
        bed.Settings["Worker:IdlePollInterval"] = "00:00:30";
        using var host = bed.BuildHost(worker: true);
        await host.StartAsync();
        try
        {
            await Task.Delay(2000); // the worker found nothing and sleeps for up to 30 s
            var imported = DateTimeOffset.UtcNow;
            await bed.ImportAsync(Csv.Row("WAKE-1", "Brighten"));
            await bed.WaitForAsync(() => bed.ScalarAsync<bool>("select exists (select 1 from provider_attempts)"), TimeSpan.FromSeconds(10), "a claim");
            Assert.True(DateTimeOffset.UtcNow - imported < TimeSpan.FromSeconds(10));
        }
        finally
        {
            await host.StopAsync();
        }
    }
}
