using System.Diagnostics;
using System.Diagnostics.Metrics;

namespace BatchEditor.Telemetry;

/// <summary>
/// BatchEditor's instruments, on <see cref="System.Diagnostics.Metrics"/> under the meter <see cref="MeterName"/>, named
/// the OpenTelemetry way (dotted, lower case, unit in the metadata). Exported over OTLP when configured and as
/// Prometheus text at <c>/metrics</c> (the exporter turns <c>batch_editor.step.duration</c> in seconds into
/// <c>batch_editor_step_duration_seconds</c>). Gauges that describe the whole queue (items by state, due work) are read
/// from the database by whoever serves them (<see cref="QueueGauges"/>).
/// </summary>
public sealed class BatchEditorMetrics : IDisposable
{
    public const string MeterName = "BatchEditor";

    private readonly Meter _meter;
    private readonly Counter<long> _transitions;
    private readonly Histogram<double> _stepDuration;
    private readonly Counter<long> _providerCalls;
    private readonly Counter<double> _credits;
    private readonly Counter<double> _cost;
    private readonly Counter<long> _bytesCopied;
    private readonly Counter<long> _checksFailed;

    public BatchEditorMetrics(IMeterFactory meters)
    {
        _meter = meters.Create(MeterName);
        _transitions = _meter.CreateCounter<long>("batch_editor.item.transitions", "{transition}", "Items that changed state, by the state they entered.");
        _stepDuration = _meter.CreateHistogram<double>("batch_editor.step.duration", "s", "Time a worker step (submit, poll, copy) took.",
            advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120] });
        _providerCalls = _meter.CreateCounter<long>("batch_editor.provider.calls", "{call}", "Calls to providers, by operation and outcome.");
        _credits = _meter.CreateCounter<double>("batch_editor.credits", "{credit}", "Credits booked on the ledger (charges, adjustments, refunds).");
        _cost = _meter.CreateCounter<double>("batch_editor.cost", "USD", "Money booked on the ledger.");
        _bytesCopied = _meter.CreateCounter<long>("batch_editor.output.bytes", "By", "Output bytes written to storage.");
        _checksFailed = _meter.CreateCounter<long>("batch_editor.output.checks_failed", "{output}", "Stored outputs that failed their check, by provider.");
    }

    public Meter Meter => _meter;

    public void Transitioned(string to, string provider) =>
        _transitions.Add(1, new TagList { { "state", to }, { "provider", provider } });

    public void StepFinished(string step, string outcome, TimeSpan elapsed) =>
        _stepDuration.Record(elapsed.TotalSeconds, new TagList { { "step", step }, { "outcome", outcome } });

    public void ProviderCalled(string provider, string operation, string outcome) =>
        _providerCalls.Add(1, new TagList { { "provider", provider }, { "operation", operation }, { "outcome", outcome } });

    public void Booked(string provider, string kind, bool estimated, decimal credits, decimal? usd)
    {
        var tags = new TagList { { "provider", provider }, { "kind", kind }, { "estimated", estimated } };
        if (credits != 0) _credits.Add((double)credits, tags);
        if (usd is { } u && u != 0) _cost.Add((double)u, tags);
    }

    public void Copied(long bytes, string store) => _bytesCopied.Add(bytes, new KeyValuePair<string, object?>("store", store));

    public void CheckFailed(string provider) => _checksFailed.Add(1, new KeyValuePair<string, object?>("provider", provider));

    public void Dispose() => _meter.Dispose();
}
