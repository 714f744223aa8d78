using System.Text.Json;
using BatchEditor.IntegrationTests.Infrastructure;
using BatchEditor.Manifests;
using BatchEditor.Webhooks;
using Microsoft.Extensions.Hosting;

namespace BatchEditor.IntegrationTests;

/// <summary>The completion webhook, received by a real HTTP listener that checks its signature as a receiver would.</summary>
public sealed class WebhookTests : IDisposable
{
    private const string Secret = "whsec-test-0123456789";
    private readonly WebhookReceiver _receiver = new();

    public void Dispose() => _receiver.Dispose();

    private static void Configure(TestBed bed)
    {
        bed.Settings["Webhooks:SigningSecret"] = Secret;
        bed.Settings["Webhooks:FirstRetryDelay"] = "00:00:00.200";
    }

    [Fact]
    public async Task A_finished_manifest_posts_its_signed_summary_before_an_until_idle_worker_exits()
    {
        await using var bed = await TestBed.StartAsync();
        Configure(bed);
        var manifest = await bed.ImportAsync(Csv.Manifest(2) + "SKU-0003,https://img.example.com/3.jpg,[sim:fail] refused,1:1\n", name: "spring",
            settings: new ManifestSettings(WebhookUrl: _receiver.Url));

        await bed.RunWorkerUntilIdleAsync(TimeSpan.FromSeconds(60));

        var (signature, body) = Assert.Single(_receiver.Received);
        Assert.True(WebhookSignature.Verify(Secret, signature, body, DateTimeOffset.UtcNow, TimeSpan.FromMinutes(5)), signature);
        Assert.False(WebhookSignature.Verify("another-secret", signature, body, DateTimeOffset.UtcNow, TimeSpan.FromMinutes(5)));
        Assert.False(WebhookSignature.Verify(Secret, signature, [.. body, (byte)' '], DateTimeOffset.UtcNow, TimeSpan.FromMinutes(5)));
        using var summary = JsonDocument.Parse(body);
        Assert.Equal("manifest.finished", summary.RootElement.GetProperty("event").GetString());
        Assert.Equal("spring", summary.RootElement.GetProperty("manifest").GetProperty("name").GetString());
        Assert.Equal(manifest.Id, summary.RootElement.GetProperty("manifest").GetProperty("id").GetGuid());
        Assert.Equal(2, summary.RootElement.GetProperty("counts").GetProperty("Succeeded").GetInt64());
        Assert.Equal(1, summary.RootElement.GetProperty("counts").GetProperty("Failed").GetInt64());
        Assert.Equal(10m, summary.RootElement.GetProperty("spend").GetProperty("credits").GetDecimal());
        Assert.Equal("delivered 1", await bed.ScalarAsync<string>("select state || ' ' || attempts from webhooks"));
    }

    [Fact]
    public async Task A_refused_delivery_is_retried_with_back_off_and_every_attempt_is_recorded()
    {
        await using var bed = await TestBed.StartAsync();
        Configure(bed);
        _receiver.Answers.Enqueue(500);
        _receiver.Answers.Enqueue(503);
        await bed.ImportAsync(Csv.Manifest(1), settings: new ManifestSettings(WebhookUrl: _receiver.Url));

        using (var host = bed.BuildHost(worker: true))
        {
            await host.StartAsync();
            await bed.WaitForAsync(async () => await bed.ScalarAsync<string>("select state from webhooks") == "delivered", what: "the third attempt");
            await host.StopAsync();
        }
        Assert.Equal("1:500:500 Internal Server Error,2:503:503 Service Unavailable,3:200:", await bed.ScalarAsync<string>(
            "select string_agg(attempt || ':' || status_code || ':' || coalesce(error, ''), ',' order by id) from webhook_deliveries"));
        Assert.Equal(3, _receiver.Received.Count);
        Assert.All(_receiver.Received, r => Assert.True(WebhookSignature.Verify(Secret, r.Signature, r.Body, DateTimeOffset.UtcNow, TimeSpan.FromMinutes(5))));
    }

    [Fact]
    public async Task A_webhook_without_a_signing_secret_is_refused_before_anything_is_imported()
    {
        await using var bed = await TestBed.StartAsync();
        var csv = Path.Combine(bed.StorageRoot, "hooked.csv");
        await File.WriteAllTextAsync(csv, Csv.Manifest(2));

        var submit = await Cli.RunAsync(bed.EnvironmentVariables(), TimeSpan.FromSeconds(60), "submit", csv, "--webhook", _receiver.Url);

        Assert.Equal(2, submit.ExitCode);
        Assert.Equal("error: a webhook needs Webhooks__SigningSecret, the key its deliveries are signed with", submit.Stderr.Trim());
        Assert.Equal(0L, await bed.ScalarAsync<long>("select count(*) from manifests"));
    }
}
