using BatchEditor.Telemetry;
using OpenTelemetry;
using OpenTelemetry.Exporter;
using OpenTelemetry.Metrics;

namespace BatchEditor.Host.Telemetry;

/// <summary>
/// Sends BatchEditor's metrics to an OpenTelemetry collector over OTLP when <c>OpenTelemetry:OtlpEndpoint</c> (or the
/// standard <c>OTEL_EXPORTER_OTLP_ENDPOINT</c>) is set; nothing otherwise. The meter provider lives as long as the host.
/// </summary>
public sealed class OtlpExport(Uri endpoint, OtlpExportProtocol protocol) : IHostedService, IDisposable
{
    private MeterProvider? _provider;

    public static IServiceCollection AddOtlpExport(IServiceCollection services, IConfiguration configuration)
    {
        var endpoint = configuration["OpenTelemetry:OtlpEndpoint"] ?? configuration["OTEL_EXPORTER_OTLP_ENDPOINT"];
        if (string.IsNullOrWhiteSpace(endpoint)) return services;
        var protocol = (configuration["OpenTelemetry:OtlpProtocol"] ?? configuration["OTEL_EXPORTER_OTLP_PROTOCOL"]) is "http/protobuf"
            ? OtlpExportProtocol.HttpProtobuf : OtlpExportProtocol.Grpc;
        return services.AddHostedService(_ => new OtlpExport(new Uri(endpoint), protocol));
    }

    public Task StartAsync(CancellationToken cancellationToken)
    {
        _provider = Sdk.CreateMeterProviderBuilder()
            .AddMeter(BatchEditorMetrics.MeterName)
            .AddOtlpExporter(o => { o.Endpoint = endpoint; o.Protocol = protocol; })
            .Build();
        return Task.CompletedTask;
    }

    /// <summary>Flushes what was measured last.</summary>
    public Task StopAsync(CancellationToken cancellationToken)
    {
        _provider?.ForceFlush(5_000);
        return Task.CompletedTask;
    }

    public void Dispose() => _provider?.Dispose();
}
