using System.Net;
using System.Threading.RateLimiting;

namespace BatchEditor.Host.Web.Auth;

/// <summary>
/// Failed sign-ins per client address: past <see cref="Allowed"/> in <see cref="Window"/>, the address is refused (429)
/// until the window ends, right password or not, so a password cannot be guessed at network speed. ASP.NET Core's
/// fixed-window limiter, one partition per address.
/// </summary>
public sealed class FailedSignIns : IDisposable
{
    public const int Allowed = 10;
    public static readonly TimeSpan Window = TimeSpan.FromMinutes(1);

    private readonly PartitionedRateLimiter<IPAddress> _failures = PartitionedRateLimiter.Create<IPAddress, IPAddress>(address =>
        RateLimitPartition.GetFixedWindowLimiter(address, _ => new FixedWindowRateLimiterOptions
        {
            PermitLimit = Allowed,
            Window = Window,
            QueueLimit = 0,
            AutoReplenishment = true,
        }));

    /// <summary>True while <paramref name="address"/> has used up its failures.</summary>
    public bool Locked(IPAddress address) => _failures.GetStatistics(address)?.CurrentAvailablePermits == 0;

    /// <summary>Counts a failure.</summary>
    public void Failed(IPAddress address)
    {
        using var _ = _failures.AttemptAcquire(address);
    }

    public void Dispose() => _failures.Dispose();
}
