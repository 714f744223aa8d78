namespace BatchEditor.Providers;

/// <summary>One image edit as a provider adapter sees it: a manifest row after validation and defaults.</summary>
public sealed record EditRequest(
    string RowId,
    string Model,
    string Prompt,
    IReadOnlyList<string> ImageUrls,
    string? MaskUrl,
    string? Size,
    string? Quality,
    int N,
    string? OutputFormat);

/// <summary>A provider job as saved on the item: enough to poll it from any worker.</summary>
/// <param name="ResultUrl">Where the result is fetched when it is not in the status answer (fal's response_url).</param>
public sealed record ProviderJob(string JobId, string StatusUrl, string Model, string? ResultUrl = null);

/// <summary>
/// An output the provider produced, to be copied before <see cref="ExpiresAt"/>: a temporary URL, or for providers
/// that answer with the image itself (OpenAI's <c>b64_json</c>) the base64 text in <paramref name="InlineBase64"/>,
/// kept in the database until the copy step streams it into storage.
/// </summary>
public sealed record OutputRef(int Ordinal, string Url, DateTimeOffset? ExpiresAt, string? InlineBase64 = null);

/// <summary>
/// What a job cost, in the provider's unit (credits) and in money where it can be known.
/// <see cref="Estimated"/> is false only for figures the provider itself reported.
/// </summary>
public sealed record CostReport(decimal Credits, decimal? CostUsd, bool Estimated, decimal? BalanceAfter, string Note);

/// <summary>A row-level problem found at import time, named by the manifest column it concerns.</summary>
public sealed record RequestProblem(string Column, string Message);
