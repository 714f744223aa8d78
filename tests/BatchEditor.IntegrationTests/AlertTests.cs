using System.Text.Json;
using BatchEditor.IntegrationTests.Infrastructure;
using BatchEditor.Jobs;
using BatchEditor.Manifests;
using BatchEditor.Webhooks;
using Microsoft.Extensions.DependencyInjection;

namespace BatchEditor.IntegrationTests;

/// <summary>Alerts: every rule under a sustained fault notifies once per interval, then once when it clears; digests to a signed webhook and Slack.</summary>
public sealed class AlertTests : IDisposable
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(60);
    private static readonly TimeSpan Interval = TimeSpan.FromSeconds(3);
    private readonly DirectoryInfo _drop = Directory.CreateTempSubdirectory("batch-editor-drop-");

    public void Dispose() => _drop.Delete(recursive: true);

    private sealed record Sent(DateTimeOffset At, string Rule, string Subject, string State);

    [Fact]
    public async Task Each_rule_fires_once_per_interval_under_a_sustained_fault_and_resolves_once_when_it_clears()
    {
        await using var bed = await TestBed.StartAsync();
        using var hook = new WebhookReceiver();
        using var slack = new WebhookReceiver();
        const string secret = "alert-signing-secret";
        bed.Settings["Webhooks:SigningSecret"] = secret;
        bed.Settings["Alerts:WebhookUrl"] = hook.Url;
        bed.Settings["Alerts:SlackWebhookUrl"] = slack.Url;
        bed.Settings["Alerts:EvaluateInterval"] = "00:00:00.250";
        bed.Settings["Alerts:MinInterval"] = "00:00:03";
        bed.Settings["Alerts:FailureMinItems"] = "2";
        bed.Settings["Alerts:BreakerOpenFor"] = "00:00:00";
        bed.Settings["Alerts:SpendTodayCredits"] = "1";
        bed.Settings["Alerts:ExpiryWithin"] = "00:30:00";
        bed.Settings["Alerts:ScheduleGrace"] = "00:00:01";
        var env = bed.EnvironmentVariables();

        // failure-share: two of a running manifest's jobs fail while its third still runs.
        await bed.ImportAsync(Csv.Row("F-1", "Crop [sim:fail]") + "F-2,https://img.example.com/2.jpg,Crop [sim:fail]\nF-3,https://img.example.com/3.jpg,Crop [sim:latency=90s]\n", name: "failing");
        // review (a submit answered 500: it may have been billed) and spend (a job that succeeds, 5 credits).
        await bed.ImportAsync(Csv.Row("R-1", "Crop [sim:500]") + "OK-1,https://img.example.com/4.jpg,Crop\n", name: "fine");
        // expiry: paid outputs, not yet stored, expiring in 10 minutes, held by a worker elsewhere.
        await bed.ImportAsync(Csv.Row("E-1", "Crop"), name: "expiring", settings: new ManifestSettings(NotBefore: DateTimeOffset.UtcNow.AddDays(1)));
        await bed.ExecAsync("""
            update items set state = 'Copying', outputs_expire_at = now() + interval '10 minutes', lease_owner = 'elsewhere',
                             lease_token = gen_random_uuid(), lease_expires_at = now() + interval '1 hour' where row_id = 'E-1'
            """);
        // breaker: gmicloud's has been open for a while.
        await bed.ExecAsync("insert into provider_breakers (provider, consecutive_failures, opened_at, open_until, last_failure) values ('gmicloud', 5, now(), now() + interval '1 hour', '503 from gmicloud')");
        // schedule: due at 03:00 daily, last fired two days ago.
        Assert.Equal(0, (await Cli.RunAsync(env, Timeout, "schedule", "add", "missed", "--cron", "0 3 * * *", "--time-zone", "UTC", "--source", _drop.FullName)).ExitCode);
        await bed.ExecAsync("update schedules set last_run_at = now() - interval '2 days', created_at = now() - interval '3 days'");

        using var host = bed.BuildHost(worker: true);
        await host.StartAsync();
        DateTimeOffset cleared;
        try
        {
            await bed.WaitForAsync(() => bed.ScalarAsync<bool>("select count(distinct rule) = 6 from alerts where resolved_at is null and notified_at is not null"),
                TimeSpan.FromSeconds(60), "every rule firing");
            await Task.Delay(Interval * 2.5); // the faults persist

            // Each fault clears: the manifest is cancelled, the review settled, the breaker closed, a refund brings today's
            // spend under the threshold, the outputs stored, the schedule fired.
            Assert.Equal(0, (await Cli.RunAsync(env, Timeout, "cancel", "failing")).ExitCode);
            await bed.ExecAsync("update items set state = 'Failed', reason = 'given up in review' where state = 'NeedsReview'");
            await bed.ExecAsync("delete from provider_breakers where provider = 'gmicloud'");
            await bed.ExecAsync("""
                insert into usage_ledger (item_id, manifest_id, provider, kind, credits, estimated, note)
                select id, manifest_id, 'pixeldojo', 'refund', -(select sum(credits) from usage_ledger), false, 'refund (provider goodwill)' from items where row_id = 'OK-1'
                """);
            await bed.ExecAsync("update items set state = 'Succeeded', lease_owner = null, lease_token = null, lease_expires_at = null where row_id = 'E-1'");
            Assert.Equal(0, (await Cli.RunAsync(env, Timeout, "schedule", "run-now", "missed")).ExitCode);
            cleared = DateTimeOffset.UtcNow;
            await bed.WaitForAsync(() => bed.ScalarAsync<bool>("select bool_and(resolve_notified_at is not null) from alerts"), TimeSpan.FromSeconds(30), "every alert resolved");
            await Task.Delay(Interval + TimeSpan.FromSeconds(1)); // nothing more is said
            Assert.True(await host.Services.GetRequiredService<JobQueues>().WaitUntilIdleAsync(TimeSpan.FromSeconds(30), CancellationToken.None, Queues.Webhooks));
        }
        finally
        {
            await host.StopAsync();
        }

        var sent = new List<Sent>();
        foreach (var row in await bed.RowsAsync("select created_at, body::text from alert_digests order by id"))
            foreach (var entry in JsonDocument.Parse((string)row[1]).RootElement.EnumerateArray())
                sent.Add(new((DateTime)row[0], entry.GetProperty("rule").GetString()!, entry.GetProperty("subject").GetString()!, entry.GetProperty("state").GetString()!));
        foreach (var rule in new[] { "failure-share", "review", "breaker", "spend", "expiry", "schedule" })
        {
            var firing = sent.Where(s => s.Rule == rule && s.State != "resolved").Select(s => s.At).Distinct().Order().ToList();
            Assert.True(firing.Count >= 2, $"{rule} notified {firing.Count} time(s) while firing");
            Assert.All(firing.Zip(firing.Skip(1)), pair => Assert.True(pair.Second - pair.First >= Interval - TimeSpan.FromMilliseconds(100),
                $"{rule} notified {pair.First:HH:mm:ss.fff} and again {pair.Second:HH:mm:ss.fff}, within the interval"));
            Assert.Equal("firing", sent.First(s => s.Rule == rule).State);
            Assert.Single(sent, s => s.Rule == rule && s.State == "resolved");
            Assert.DoesNotContain(sent, s => s.Rule == rule && s.State != "resolved" && s.At > cleared + TimeSpan.FromSeconds(2));
        }
        Assert.Contains(sent, s => s is { Rule: "failure-share", Subject: "manifest failing" });
        Assert.Contains(sent, s => s is { Rule: "breaker", Subject: "provider gmicloud" });
        Assert.Contains(sent, s => s is { Rule: "schedule", Subject: "schedule missed" });

        // Every digest went to both channels: signed JSON to the webhook, Slack's format to Slack.
        var digests = sent.Select(s => s.At).Distinct().Count();
        Assert.Equal(digests, hook.Received.Count);
        Assert.All(hook.Received, r =>
        {
            Assert.True(WebhookSignature.Verify(secret, r.Signature, r.Body, DateTimeOffset.UtcNow, TimeSpan.FromMinutes(5)));
            Assert.Equal("alerts.digest", JsonDocument.Parse(r.Body).RootElement.GetProperty("event").GetString());
        });
        Assert.Equal(digests, slack.Received.Count);
        Assert.All(slack.Received, r => Assert.StartsWith("*BatchEditor alerts*", JsonDocument.Parse(r.Body).RootElement.GetProperty("text").GetString()));
        Assert.Equal(0L, await bed.ScalarAsync<long>("select count(*) from alert_digests where webhook <> 'delivered' or slack <> 'delivered'"));

        // The dashboard lists them with their history.
        await using var web = await bed.StartWebAsync();
        var (_, page) = await web.GetAsync("/dashboard/alerts");
        Assert.Contains("Nothing is firing.", page);
        Assert.Contains("data-alert=\"breaker\" data-state=\"resolved\"", page);
        Assert.Contains("circuit breaker open since", page);
    }
}
