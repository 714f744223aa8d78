using System.Globalization;
using System.Text.Json;
using CsvHelper;

namespace BatchEditor.ReadModel;

/// <summary>
/// The results export, one row per item, written the same way by <c>batch-editor results</c> and the HTTP API, as CSV or
/// JSON. CSV text cells that a spreadsheet would run as a formula (starting with <c>=</c>, <c>+</c>, <c>-</c>, <c>@</c>,
/// tab or CR) get a leading <c>'</c>: row ids and reasons come from outside. Numbers are written as numbers.
/// </summary>
public sealed class ResultsExport(ManifestQueries queries)
{
    private static readonly string[] Columns = ["id", "state", "reason", "provider", "routed", "reused_from", "provider_job", "outputs", "credits", "cost_usd", "cost_estimated"];
    private static readonly CsvWriterOptions Csv = new() { Injection = CsvInjection.Escape };

    /// <param name="signedUntil">With <paramref name="sign"/>: adds a column of read-only links valid until then.</param>
    /// <returns>The number of rows written.</returns>
    public async Task<int> WriteCsvAsync(Stream stream, Guid manifestId, Func<string, string>? sign, DateTimeOffset signedUntil, CancellationToken ct, string? cause = null)
    {
        await using var csv = CsvWriter.Create(stream, Csv, leaveOpen: true);
        csv.WriteHeader(sign is null ? Columns : [.. Columns, $"signed_urls (until {signedUntil:u})"]);
        var count = 0;
        await foreach (var row in queries.ResultsAsync(manifestId, cause, ct))
        {
            csv.WriteField(row.RowId);
            csv.WriteField(row.State);
            csv.WriteField(row.Reason);
            csv.WriteField(row.Provider);
            csv.WriteField(row.Routed ?? "");
            csv.WriteField(row.ReusedFrom ?? "");
            csv.WriteField(row.JobId ?? "");
            csv.WriteField(string.Join(" ", row.Locations));
            csv.WriteField(row.Credits, "G", CultureInfo.InvariantCulture);
            if (row.CostUsd is { } usd) csv.WriteField(usd, "G", CultureInfo.InvariantCulture);
            else csv.WriteField("");
            csv.WriteField(row.CostEstimated ? "true" : "false");
            if (sign is not null) csv.WriteField(string.Join(" ", row.Locations.Select(sign)));
            csv.EndRecord();
            count++;
        }
        await csv.FlushAsync(ct);
        return count;
    }

    /// <summary>The same rows as a JSON array (the outputs as an array, links included when <paramref name="sign"/> is given).</summary>
    public async Task<int> WriteJsonAsync(Stream stream, Guid manifestId, Func<string, string>? sign, CancellationToken ct, string? cause = null)
    {
        await using var json = new Utf8JsonWriter(stream, new JsonWriterOptions { Indented = true });
        json.WriteStartArray();
        var count = 0;
        await foreach (var row in queries.ResultsAsync(manifestId, cause, ct))
        {
            JsonSerializer.Serialize(json, new
            {
                id = row.RowId, state = row.State, reason = row.Reason, provider = row.Provider, routed = row.Routed, reusedFrom = row.ReusedFrom, providerJob = row.JobId, outputs = row.Locations,
                signedUrls = sign is null ? null : row.Locations.Select(sign).ToArray(), credits = row.Credits, costUsd = row.CostUsd,
                costEstimated = row.CostEstimated,
            });
            count++;
        }
        json.WriteEndArray();
        await json.FlushAsync(ct);
        return count;
    }
}
