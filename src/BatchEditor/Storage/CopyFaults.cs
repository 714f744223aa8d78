using System.Net;

namespace BatchEditor.Storage;

/// <summary>The output's source failed (network, 5xx, a stall, a truncated or malformed body). <see cref="Transient"/>: trying again may work.</summary>
public sealed class OutputDownloadException(string message, bool transient, Exception? inner = null, TimeSpan? retryAfter = null) : Exception(message, inner)
{
    public bool Transient { get; } = transient;
    public TimeSpan? RetryAfter { get; } = retryAfter;
}

/// <summary>The temporary URL answered that the output is gone (404, 403, 410): copying again will not help.</summary>
public sealed class OutputUnavailableException(HttpStatusCode status, string message) : Exception(message)
{
    public HttpStatusCode Status { get; } = status;
}

/// <summary>The blob store failed (unreachable, refusing, full): the output is fine, so the copy waits for the store.</summary>
public sealed class StorageUnavailableException(string message, Exception inner) : Exception(message, inner);

/// <summary>Something not written for this item already holds the output's name: it is never overwritten nor taken.</summary>
public sealed class OutputConflictException(string message) : Exception(message);
