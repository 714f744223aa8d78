using Hangfire.Common;

namespace BatchEditor.Jobs;

/// <summary>
/// Job filters an area adds for its own jobs (a retry policy from its options, say), per host: Hangfire's global filter
/// collection is process-wide, and its attributes cannot read options.
/// </summary>
public abstract class JobFilters : IJobFilterProvider
{
    public abstract IEnumerable<JobFilter> GetFilters(Job job);
}
