using BatchEditor.Telemetry;
using Npgsql;
using OpenTelemetry;
using OpenTelemetry.Exporter;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;
using OpenTelemetry.Trace;

namespace BatchEditor.Host.Telemetry;

/// <summary>
/// OpenTelemetry for every command that runs for a while, through its hosting extensions: BatchEditor's meter, .NET
/// runtime, HttpClient (providers, storage, webhooks), Npgsql and, where the dashboard runs, ASP.NET Core. Exported over
/// OTLP, with traces, when <c>OpenTelemetry:OtlpEndpoint</c> (or the standard <c>OTEL_EXPORTER_OTLP_ENDPOINT</c>) is set;
/// and, where the dashboard runs, as Prometheus text at <c>/metrics</c> by OpenTelemetry's own exporter, so both read one
/// pipeline with the same names.
/// </summary>
public static class TelemetryRegistration
{
    public const string ServiceName = "batch-editor";

    public static IServiceCollection AddBatchEditorTelemetry(this IServiceCollection services, IConfiguration configuration, bool web)
    {
        var endpoint = configuration["OpenTelemetry:OtlpEndpoint"] ?? configuration["OTEL_EXPORTER_OTLP_ENDPOINT"];
        var otlp = !string.IsNullOrWhiteSpace(endpoint);
        if (!otlp && !web) return services; // nothing would read the measurements
        var protocol = (configuration["OpenTelemetry:OtlpProtocol"] ?? configuration["OTEL_EXPORTER_OTLP_PROTOCOL"]) is "http/protobuf"
            ? OtlpExportProtocol.HttpProtobuf : OtlpExportProtocol.Grpc;
        void Otlp(OtlpExporterOptions o) => (o.Endpoint, o.Protocol) = (new Uri(endpoint!), protocol);

        var telemetry = services.AddOpenTelemetry()
            .ConfigureResource(r => r.AddService(ServiceName, serviceVersion: typeof(TelemetryRegistration).Assembly.GetName().Version?.ToString()))
            .WithMetrics(metrics =>
            {
                metrics.AddMeter(BatchEditorMetrics.MeterName).AddRuntimeInstrumentation().AddHttpClientInstrumentation().AddNpgsqlInstrumentation();
                if (web) metrics.AddAspNetCoreInstrumentation().AddPrometheusExporter();
                if (otlp) metrics.AddOtlpExporter(Otlp);
            });
        if (otlp)
            telemetry.WithTracing(tracing =>
            {
                tracing.AddHttpClientInstrumentation().AddNpgsql();
                if (web) tracing.AddAspNetCoreInstrumentation();
                tracing.AddOtlpExporter(Otlp);
            });
        return services;
    }
}
