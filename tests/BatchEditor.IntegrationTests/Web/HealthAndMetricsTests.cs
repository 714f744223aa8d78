using System.Net;
using System.Text.Json;
using BatchEditor.IntegrationTests.Infrastructure;
using Npgsql;

namespace BatchEditor.IntegrationTests.Web;

/// <summary>The probes an orchestrator calls and the metrics a Prometheus server scrapes, from a real worker with its dashboard.</summary>
public class HealthAndMetricsTests
{
    [Fact]
    public async Task Metrics_count_what_the_worker_did_and_readiness_reports_each_dependency()
    {
        await using var bed = await TestBed.StartAsync();
        await bed.ImportAsync(Csv.Manifest(4, i => i == 4 ? "[sim:fail]" : ""), name: "metered");
        await using var server = await DashboardServer.StartAsync(bed.EnvironmentVariables(), ["worker", "--dashboard"]);
        await bed.WaitForAsync(async () => await bed.ScalarAsync<long>("select count(*) from items where state in ('Succeeded', 'Failed')") == 4);

        var ready = await server.Http.GetAsync("/health/ready");
        var body = JsonDocument.Parse(await ready.Content.ReadAsStringAsync()).RootElement;
        Assert.Equal(HttpStatusCode.OK, ready.StatusCode);
        foreach (var check in new[] { "database", "storage", "jobs" })
            Assert.Equal("Healthy", body.GetProperty("checks").GetProperty(check).GetProperty("status").GetString());
        Assert.Contains("Hangfire server", body.GetProperty("checks").GetProperty("jobs").GetProperty("description").GetString());

        var metrics = await server.Http.GetStringAsync("/metrics");
        Assert.Equal(3, Value(metrics, "batch_editor_item_transitions_total", "provider=\"pixeldojo\",state=\"Succeeded\""));
        Assert.Equal(1, Value(metrics, "batch_editor_item_transitions_total", "provider=\"pixeldojo\",state=\"Failed\""));
        Assert.Equal(3, Value(metrics, "batch_editor_items", "state=\"Succeeded\""));
        Assert.Equal(0, Value(metrics, "batch_editor_queue_depth", null));
        Assert.Equal(4, Value(metrics, "batch_editor_provider_calls_total", "operation=\"submit\",outcome=\"accepted\",provider=\"pixeldojo\""));
        Assert.True(Value(metrics, "batch_editor_output_bytes_total", "store=\"FileSystem\"") > 1000);
        Assert.True(Value(metrics, "batch_editor_credits_total", "estimated=\"false\",kind=\"charge\",provider=\"pixeldojo\"") > 0);
        Assert.Equal(3, Value(metrics, "batch_editor_step_duration_seconds_count", "outcome=\"ok\",step=\"copy\""));
        Assert.Equal(3, Value(metrics, "batch_editor_step_duration_seconds_bucket", "outcome=\"ok\",step=\"copy\",le=\"+Inf\""));
        Assert.True(Value(metrics, "batch_editor_cost_USD_total", "kind=\"charge\",provider=\"pixeldojo\"") > 0);
        Assert.Contains("# TYPE batch_editor_step_duration_seconds histogram", metrics);
        // OpenTelemetry's instrumentation beside BatchEditor's own: runtime, HTTP server, PostgreSQL.
        foreach (var series in new[] { "dotnet_gc_collections_total", "http_server_request_duration_seconds_count", "db_client_operation_duration_seconds_count" })
            Assert.Contains(series, metrics);
        Assert.Contains("# TYPE batch_editor_item_transitions_total counter", metrics);
    }

    [Fact]
    public async Task Readiness_fails_with_the_fix_when_the_database_is_not_migrated_while_liveness_holds()
    {
        await using var bed = await TestBed.StartAsync();
        var empty = $"empty_{Guid.NewGuid():N}";
        await bed.ExecAsync($"create database {empty}");
        var env = bed.EnvironmentVariables();
        env["ConnectionStrings__BatchEditor"] = new NpgsqlConnectionStringBuilder(bed.ConnectionString) { Database = empty }.ConnectionString;
        await using var web = await DashboardServer.StartAsync(env, ["web"]);

        Assert.Equal(HttpStatusCode.OK, (await web.Http.GetAsync("/health/live")).StatusCode);
        var ready = await web.Http.GetAsync("/health/ready");
        Assert.Equal(HttpStatusCode.ServiceUnavailable, ready.StatusCode);
        Assert.Contains("run `batch-editor migrate`", await ready.Content.ReadAsStringAsync());
    }

    /// <summary>
    /// The value of one series in Prometheus text: the series named <paramref name="name"/> whose labels include every one
    /// of <paramref name="labels"/> (<c>a="x",b="y"</c>; null: any), ignoring those the exporter adds (its scope).
    /// </summary>
    private static double Value(string metrics, string name, string? labels)
    {
        var wanted = Labels(labels ?? "");
        foreach (var line in metrics.Split('\n'))
        {
            if (!line.StartsWith(name, StringComparison.Ordinal) || line.Length == name.Length || line[name.Length] is not ('{' or ' ')) continue;
            var (found, rest) = line[name.Length] == '{'
                ? (Labels(line[(name.Length + 1)..line.IndexOf('}', StringComparison.Ordinal)]), line[(line.IndexOf('}', StringComparison.Ordinal) + 1)..])
                : ([], line[name.Length..]);
            if (wanted.All(w => found.Contains(w)))
                return double.Parse(rest.Trim().Split(' ')[0], System.Globalization.CultureInfo.InvariantCulture);
        }
        throw new Xunit.Sdk.XunitException($"no series {name}{{{labels}}} in:\n{metrics}");
    }

    private static HashSet<string> Labels(string text) =>
        [.. System.Text.RegularExpressions.Regex.Matches(text, "([a-zA-Z_][a-zA-Z0-9_]*)=\"((?:[^\"\\\\]|\\\\.)*)\"").Select(m => m.Value)];
}
