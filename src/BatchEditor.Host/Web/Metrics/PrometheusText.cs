using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using System.Globalization;
using System.Text;

namespace BatchEditor.Host.Web.Metrics;

/// <summary>
/// The Prometheus text exposition format (version 0.0.4) over BatchEditor's meter: what the OpenTelemetry Prometheus
/// exporter would serve, which is not installable here. A <see cref="MeterListener"/> aggregates counters (sums),
/// histograms (cumulative buckets, sum, count) and observable gauges (read at scrape time). Names follow the
/// OpenTelemetry-to-Prometheus rules: dots become underscores, the unit is appended (<c>s</c> → <c>_seconds</c>,
/// <c>By</c> → <c>_bytes</c>), counters end in <c>_total</c>.
/// </summary>
public sealed class PrometheusText : IDisposable
{
    private readonly MeterListener _listener = new();
    private readonly ConcurrentDictionary<Instrument, Series> _series = new();

    private sealed class Series(Instrument instrument)
    {
        public Instrument Instrument { get; } = instrument;
        public ConcurrentDictionary<string, Point> Points { get; } = new();
    }

    private sealed class Point(double[]? bounds)
    {
        public readonly Lock Gate = new();
        public double Value;
        public double Sum;
        public long Count;
        public readonly long[]? Buckets = bounds is null ? null : new long[bounds.Length + 1];
        public readonly double[]? Bounds = bounds;
    }

    public PrometheusText(string meterName)
    {
        _listener.InstrumentPublished = (instrument, listener) =>
        {
            if (instrument.Meter.Name != meterName) return;
            _series[instrument] = new Series(instrument);
            listener.EnableMeasurementEvents(instrument);
        };
        _listener.SetMeasurementEventCallback<long>((i, v, tags, _) => Record(i, v, tags));
        _listener.SetMeasurementEventCallback<double>((i, v, tags, _) => Record(i, v, tags));
        _listener.SetMeasurementEventCallback<int>((i, v, tags, _) => Record(i, v, tags));
        _listener.Start();
    }

    public static readonly double[] DefaultBounds = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

    private void Record(Instrument instrument, double value, ReadOnlySpan<KeyValuePair<string, object?>> tags)
    {
        if (!_series.TryGetValue(instrument, out var series)) return;
        var key = Labels(tags);
        var point = series.Points.GetOrAdd(key, _ => new Point(instrument is Histogram<double> h ? BoundsOf(h) : null));
        lock (point.Gate)
        {
            switch (instrument)
            {
                case ObservableGauge<long> or ObservableGauge<double> or ObservableGauge<int>:
                    point.Value = value;
                    break;
                case Histogram<double> or Histogram<long>:
                    point.Sum += value;
                    point.Count++;
                    var bucket = Array.FindIndex(point.Bounds!, b => value <= b);
                    point.Buckets![bucket < 0 ? point.Bounds!.Length : bucket]++;
                    break;
                default:
                    point.Value += value;
                    break;
            }
        }
    }

    private static double[] BoundsOf(Histogram<double> histogram) =>
        histogram.Advice?.HistogramBucketBoundaries is { Count: > 0 } advised ? [.. advised] : DefaultBounds;

    /// <summary>Reads the observable gauges, then writes every series.</summary>
    public string Write()
    {
        _listener.RecordObservableInstruments();
        var text = new StringBuilder();
        foreach (var series in _series.Values.OrderBy(s => s.Instrument.Name, StringComparer.Ordinal))
        {
            var instrument = series.Instrument;
            var (name, type) = NameAndType(instrument);
            if (instrument.Description is { } help) text.Append("# HELP ").Append(name).Append(' ').Append(help.Replace("\\", "\\\\").Replace("\n", "\\n")).Append('\n');
            text.Append("# TYPE ").Append(name).Append(' ').Append(type).Append('\n');
            foreach (var (labels, point) in series.Points.OrderBy(p => p.Key, StringComparer.Ordinal))
                lock (point.Gate)
                {
                    if (point.Buckets is null)
                    {
                        Line(text, name, labels, point.Value);
                        continue;
                    }
                    long cumulative = 0;
                    for (var i = 0; i < point.Bounds!.Length; i++)
                    {
                        cumulative += point.Buckets[i];
                        Line(text, name + "_bucket", Join(labels, $"le=\"{Number(point.Bounds[i])}\""), cumulative);
                    }
                    Line(text, name + "_bucket", Join(labels, "le=\"+Inf\""), point.Count);
                    Line(text, name + "_sum", labels, point.Sum);
                    Line(text, name + "_count", labels, point.Count);
                }
        }
        return text.ToString();
    }

    internal static (string Name, string Type) NameAndType(Instrument instrument)
    {
        var name = new StringBuilder();
        foreach (var c in instrument.Name) name.Append(char.IsAsciiLetterOrDigit(c) || c == '_' ? c : '_');
        var unit = instrument.Unit switch
        {
            "s" => "_seconds",
            "ms" => "_milliseconds",
            "By" => "_bytes",
            null or "" or "1" => "",
            { } u when u.StartsWith('{') => "", // annotations such as {item} carry no unit
            { } u => "_" + u.ToLowerInvariant(),
        };
        if (!name.ToString().EndsWith(unit, StringComparison.Ordinal)) name.Append(unit);
        var type = instrument switch
        {
            Counter<long> or Counter<double> or Counter<int> or ObservableCounter<long> or ObservableCounter<double> => "counter",
            Histogram<double> or Histogram<long> => "histogram",
            _ => "gauge",
        };
        if (type == "counter") name.Append("_total");
        return (name.ToString(), type);
    }

    private static string Labels(ReadOnlySpan<KeyValuePair<string, object?>> tags)
    {
        if (tags.Length == 0) return "";
        var sorted = tags.ToArray().OrderBy(t => t.Key, StringComparer.Ordinal);
        return string.Join(",", sorted.Select(t => $"{Sanitise(t.Key)}=\"{Escape(Format(t.Value))}\""));
    }

    private static string Format(object? value) => value switch
    {
        bool b => b ? "true" : "false",
        _ => Convert.ToString(value, CultureInfo.InvariantCulture) ?? "",
    };

    private static string Sanitise(string key) => new([.. key.Select(c => char.IsAsciiLetterOrDigit(c) || c == '_' ? c : '_')]);

    private static string Escape(string value) => value.Replace("\\", "\\\\").Replace("\"", "\\\"").Replace("\n", "\\n");

    private static string Join(string labels, string extra) => labels.Length == 0 ? extra : $"{labels},{extra}";

    private static void Line(StringBuilder text, string name, string labels, double value)
    {
        text.Append(name);
        if (labels.Length > 0) text.Append('{').Append(labels).Append('}');
        text.Append(' ').Append(Number(value)).Append('\n');
    }

    private static string Number(double value) => double.IsPositiveInfinity(value) ? "+Inf" : value.ToString("R", CultureInfo.InvariantCulture);

    public void Dispose() => _listener.Dispose();
}
