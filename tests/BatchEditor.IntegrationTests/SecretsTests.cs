using BatchEditor.IntegrationTests.Infrastructure;

namespace BatchEditor.IntegrationTests;

/// <summary>No secret in any output: a whole batch runs with recognisable secrets and every line the processes print is searched.</summary>
public sealed class SecretsTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(120);

    [Fact]
    public async Task A_whole_batch_with_recognisable_secrets_never_prints_one()
    {
        await using var bed = await TestBed.StartAsync();
        var azurite = await AzuriteServer.Shared;
        const string apiKey = "sk-SECRET-api-key-7f3a9c";
        const string webhookSecret = "whsec-SECRET-signing-55e1";
        const string dashboardPassword = "SECRET-dashboard-pass-91";
        foreach (var section in new[] { "PixelDojo", "GptImageApi", "GmiCloud", "WaveSpeed", "Fal", "OpenAI" })
            bed.Settings[$"Providers:{section}:ApiKey"] = apiKey;
        bed.Settings["Webhooks:SigningSecret"] = webhookSecret;
        bed.Settings["Dashboard:Users:0:Name"] = "ops";
        bed.Settings["Dashboard:Users:0:Password"] = dashboardPassword;
        bed.Settings["Dashboard:Users:0:Role"] = "Operator";
        bed.Settings["Storage:Kind"] = "AzureBlob";
        bed.Settings["Storage:Container"] = "secrets";
        bed.Settings["Storage:ConnectionString"] = azurite.ConnectionString;
        var accountKey = azurite.ConnectionString.Split(';').Single(p => p.StartsWith("AccountKey=", StringComparison.Ordinal))["AccountKey=".Length..];
        var env = bed.EnvironmentVariables();
        var csv = Path.Combine(bed.StorageRoot, "secrets.csv");
        // Rows that fail in several ways, so errors and retries are printed too.
        await File.WriteAllTextAsync(csv, Csv.Manifest(3) + "SKU-0004,https://img.example.com/4.jpg,[sim:fail] refused,1:1\n" +
            "SKU-0005,https://img.example.com/5.jpg,[sim:503=2] busy,1:1\n");
        var receiver = new WebhookReceiver();

        var outputs = new List<Cli.Result>
        {
            await Cli.RunAsync(env, Timeout, "submit", csv, "--name", "secretive", "--webhook", receiver.Url),
            await Cli.RunAsync(env, Timeout, "worker", "--until-idle"),
            await Cli.RunAsync(env, Timeout, "status", "secretive"),
            await Cli.RunAsync(env, Timeout, "status", "--json"),
            await Cli.RunAsync(env, Timeout, "results", "secretive", "--signed-urls", "1h"),
            await Cli.RunAsync(env, Timeout, "usage", "--json"),
            await Cli.RunAsync(env, Timeout, "--help"),
            await Cli.RunAsync(env, Timeout, "worker", "--help"),
            await Cli.RunAsync(env, Timeout, "submit", "--help"),
        };
        await using (var web = await DashboardServer.StartAsync(env, ["web"]))
        {
            await web.Http.GetStringAsync("/dashboard");
            await web.Http.GetStringAsync("/health/ready");
            await web.Process.TerminateAsync();
            await web.Process.WaitForExitAsync(TimeSpan.FromSeconds(20));
            outputs.Add(new Cli.Result(0, web.Process.Output, ""));
        }
        receiver.Dispose();

        Assert.Equal(4L, await bed.ScalarAsync<long>("select count(*) from items where state = 'Succeeded'")); // the busy one after its retries
        var everything = string.Join("\n", outputs.Select(o => o.Stdout + "\n" + o.Stderr));
        Assert.Contains("Summary:", everything); // the worker's output is in what is searched
        Assert.Contains("sig=", everything); // the signed links are there (a SAS signature is the point of --signed-urls) …
        foreach (var secret in new[] { apiKey, webhookSecret, dashboardPassword, accountKey })
            Assert.DoesNotContain(secret, everything); // … but no key, password or account key
        Assert.DoesNotContain(apiKey, await bed.ScalarAsync<string>(
            "select coalesce(string_agg(reason, ' '), '') || coalesce((select string_agg(note, ' ') from usage_ledger), '') from items"));
    }
}
