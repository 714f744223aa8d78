using BatchEditor.Manifests;
using BatchEditor.Quotes;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;

namespace BatchEditor.Host.Web.Api;

/// <summary>
/// A quote over HTTP, as <c>batch-editor quote</c> gives it: the CSV body (text/csv), buffered to a temporary file, with the
/// upload's options; nothing is stored or queued, so a Viewer may ask too.
/// </summary>
public static class QuotesApi
{
    public static void MapQuotesApi(this RouteGroupBuilder api) =>
        api.MapPost("/quotes", QuoteAsync).WithTags("Manifests").DisableAntiforgery()
            .WithSummary("What a CSV manifest (a text/csv body) would cost, per provider and in total, when it would be done and what budgets would hold " +
                         "back; 422 with the problems a submit would refuse. Nothing is queued.");

    private static async Task<Results<Ok<QuoteView>, UnprocessableEntity<QuoteView>, BadRequest<string>>> QuoteAsync(HttpRequest request, ManifestQuoter quoter,
        CancellationToken ct, [FromQuery] string? provider, [FromQuery] string? model, [FromQuery] string? quality, [FromQuery] string? size,
        [FromQuery] string? prompt, [FromQuery] string? format, [FromQuery] decimal? budgetCredits = null, [FromQuery] decimal? budgetUsd = null,
        [FromQuery] string? route = null)
    {
        if (request.ContentType?.StartsWith("text/csv", StringComparison.OrdinalIgnoreCase) != true)
            return TypedResults.BadRequest("send the CSV as a text/csv body");
        // The reader reads synchronously, which Kestrel allows only from a buffer: the body goes to a temporary file first.
        await using var body = Downloads.ScratchFile.Create("batch-editor-quote");
        await request.Body.CopyToAsync(body, ct);
        body.Position = 0;
        var quote = await quoter.QuoteAsync(body, "upload.csv", new ManifestDefaults(provider ?? "pixeldojo", model, quality?.ToLowerInvariant(), size, prompt, format, route),
            new ManifestSettings(BudgetCredits: budgetCredits, BudgetUsd: budgetUsd), ct);
        if (quote.Errors is [{ AboutTheCommand: true } wrong]) return TypedResults.BadRequest(wrong.Message);
        return quote.Errors.Count > 0 ? TypedResults.UnprocessableEntity(QuoteView.From(quote)) : TypedResults.Ok(QuoteView.From(quote));
    }
}
