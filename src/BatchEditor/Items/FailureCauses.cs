using Npgsql;

namespace BatchEditor.Items;

/// <summary>A normalised reason why an item did not succeed, and what an operator can do about it.</summary>
/// <param name="Code">What the CLI (<c>--cause</c>), the API and the dashboard call it.</param>
public sealed record FailureCause(string Code, string Title, ItemState? State, string Pattern, string Action);

/// <summary>
/// Failed, expired, cancelled and review items grouped by cause: each item's state and reason matched against
/// <see cref="All"/> in order, the first rule that matches naming its cause (<c>other</c> when none does). The rules
/// read the reasons the transitions write; they run in the database (<see cref="CauseOf"/>), so a group is counted and
/// acted on whole, however many items it holds.
/// </summary>
public static class FailureCauses
{
    public const string Other = "other";

    public static readonly ItemState[] States = [ItemState.Failed, ItemState.Expired, ItemState.NeedsReview, ItemState.Cancelled];

    public static readonly IReadOnlyList<FailureCause> All =
    [
        new("possibly-billed", "submit may have been billed", ItemState.NeedsReview, ".", "decide with `batch-editor review {manifest}`: adopt the job, resubmit, or give up"),
        new("outputs-expired", "outputs expired before they were stored", ItemState.Expired, ".", "`batch-editor retry {manifest} --cause outputs-expired` runs them again (pays again)"),
        new("cancelled", "cancelled", ItemState.Cancelled, ".", "`batch-editor retry {manifest} --cause cancelled` runs them again"),
        new("output-check", "an output failed its check (blank, wrong shape or format, the input unchanged)", ItemState.Failed,
            "^" + ItemTransitions.CheckFailedPrefix, "look at the kept outputs, change the prompt if need be, then `batch-editor retry {manifest} --cause output-check` (pays again)"),
        new("moderation", "refused by the provider's content policy", ItemState.Failed, "moderat|safety|content.?polic|nsfw|flagged|inappropriate",
            "change the prompt or the image; `batch-editor retry {manifest} --cause moderation` once changed"),
        new("input-unreachable", "the input image could not be fetched", ItemState.Failed,
            "image_url|input image|could not (fetch|download|load)|failed to (fetch|download|load)|unreachable|not found.*(image|url)|(image|url).*not found|invalid image",
            "fix the image URLs, then `batch-editor retry {manifest} --cause input-unreachable`"),
        new("provider-timeout", "the provider's job never finished", ItemState.Failed, "still unfinished after|timed? ?out|deadline",
            "check the provider's status page, then `batch-editor retry {manifest} --cause provider-timeout`"),
        new("empty-output", "the provider answered without an image", ItemState.Failed, "without any output|no image|no output|completion without",
            "`batch-editor retry {manifest} --cause empty-output` (the provider billed these)"),
        new("copy-failed", "the output could not be stored", ItemState.Failed, "output is paid for|copy of output|^copy |storage|outbound guard|refused to store",
            "fix storage or the setting named, then `batch-editor retry {manifest} --cause copy-failed` (copies again without paying again)"),
        new("job-failed", "the provider's job failed", ItemState.Failed, "job .*fail|failed at|status: ?failed|error",
            "`batch-editor retry {manifest} --cause job-failed`"),
        new("rejected", "the provider refused the request", ItemState.Failed, "^[0-9]{3} from|rejected|refused|invalid|bad request",
            "correct the row (size, quality, model), then `batch-editor retry {manifest} --cause rejected`"),
    ];

    public static FailureCause? Find(string code) => All.FirstOrDefault(c => c.Code == code);

    public static string Codes => string.Join(", ", All.Select(c => c.Code).Append(Other));

    /// <summary>
    /// The cause of the <c>items</c> row aliased <paramref name="alias"/>, as an SQL expression; the statement binds
    /// <see cref="Parameters"/>.
    /// </summary>
    public static string CauseOf(string alias) =>
        $"""
        coalesce((select c.code from unnest(@cause_codes::text[], @cause_states::text[], @cause_patterns::text[]) with ordinality as c(code, state, pattern, n)
                  where (c.state = '' or c.state = {alias}.state) and {alias}.reason ~* c.pattern order by c.n limit 1), '{Other}')
        """;

    public static IEnumerable<NpgsqlParameter> Parameters() =>
    [
        new NpgsqlParameter<string[]>("cause_codes", [.. All.Select(c => c.Code)]),
        new NpgsqlParameter<string[]>("cause_states", [.. All.Select(c => c.State?.ToString() ?? "")]),
        new NpgsqlParameter<string[]>("cause_patterns", [.. All.Select(c => c.Pattern)]),
    ];
}
