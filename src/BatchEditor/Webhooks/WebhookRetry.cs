using BatchEditor.Jobs;
using Hangfire;
using Hangfire.Common;
using Microsoft.Extensions.Options;

namespace BatchEditor.Webhooks;

/// <summary>
/// The webhook retry policy as Hangfire's own retry filter on <see cref="WebhookJobs.DeliverAsync"/>: up to
/// <see cref="WebhookOptions.MaxAttempts"/> attempts, the first retry after <see cref="WebhookOptions.FirstRetryDelay"/>,
/// each later one twice as long up to <see cref="WebhookOptions.MaxRetryDelay"/>. It replaces Hangfire's default retries
/// (ten, minutes apart) for that job only.
/// </summary>
public sealed class WebhookRetry(IOptions<WebhookOptions> options) : JobFilters
{
    private readonly JobFilter _filter = new(new AutomaticRetryAttribute
    {
        Attempts = options.Value.MaxAttempts - 1,
        OnAttemptsExceeded = AttemptsExceededAction.Fail,
        DelayInSecondsByAttemptFunc = attempt => (int)Math.Ceiling(Engine.Backoff.Exponential((int)attempt, options.Value.FirstRetryDelay, options.Value.MaxRetryDelay).TotalSeconds),
    }, JobFilterScope.Method, null);

    public override IEnumerable<JobFilter> GetFilters(Job job) =>
        job.Type == typeof(WebhookJobs) && job.Method.Name == nameof(WebhookJobs.DeliverAsync) ? [_filter] : [];
}
