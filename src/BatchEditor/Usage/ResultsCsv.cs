using System.Globalization;
using CsvHelper;

namespace BatchEditor.Usage;

/// <summary>The results export, one CSV row per item, written the same way by <c>batch-editor results</c> and the HTTP API.</summary>
public sealed class ResultsCsv(ManifestQueries queries)
{
    private static readonly string[] Columns = ["id", "state", "reason", "provider", "provider_job", "outputs", "credits", "cost_usd", "cost_estimated"];

    /// <param name="signedUntil">With <paramref name="sign"/>: adds a column of read-only links valid until then.</param>
    /// <returns>The number of rows written.</returns>
    public async Task<int> WriteAsync(Stream stream, Guid manifestId, Func<string, string>? sign, DateTimeOffset signedUntil, CancellationToken ct)
    {
        await using var csv = CsvWriter.Create(stream, options: null, leaveOpen: true);
        csv.WriteRecord(sign is null ? Columns : [.. Columns, $"signed_urls (until {signedUntil:u})"]);
        var count = 0;
        await foreach (var row in queries.ResultsAsync(manifestId, ct))
        {
            string[] values = [row.RowId, row.State, row.Reason, row.Provider, row.JobId ?? "", string.Join(" ", row.Locations),
                row.Credits.ToString(CultureInfo.InvariantCulture), row.CostUsd?.ToString(CultureInfo.InvariantCulture) ?? "",
                row.CostEstimated ? "true" : "false"];
            csv.WriteRecord(sign is null ? values : [.. values, string.Join(" ", row.Locations.Select(sign))]);
            count++;
        }
        await csv.FlushAsync(ct);
        return count;
    }
}
