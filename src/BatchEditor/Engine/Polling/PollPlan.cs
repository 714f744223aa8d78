namespace BatchEditor.Engine.Polling;

/// <summary>
/// The poll times that find a job of the learned latencies done soonest on average, within the request bound: the k-th
/// status request of a job goes no earlier than (k − 1) × MinPollInterval after its submit, so a job of latency L gets at
/// most ⌈L ÷ MinPollInterval⌉ + 1 of them whatever it turns out to take. Requests the bound leaves unspent early (while
/// few jobs complete) are spent where most of them do. Computed by dynamic programming over the learned latencies on a
/// grid of at most <see cref="Cells"/> steps: O(requests × cells²), a few milliseconds, rebuilt at most once a second.
/// </summary>
public static class PollPlan
{
    private const int Cells = 240;
    private static readonly TimeSpan FinestCell = TimeSpan.FromMilliseconds(50);

    /// <summary>What one status request is worth in seconds of a job's detection: breaks ties toward fewer requests.</summary>
    private const double RequestCost = 0.02;


    /// <summary>Poll times from the submit, covering every learned latency (<paramref name="sorted"/>, ascending).</summary>
    public static TimeSpan[] Optimal(IReadOnlyList<TimeSpan> sorted, TimeSpan minPollInterval)
    {
        if (sorted.Count == 0) return [];
        var spread = Spread(sorted);
        var horizon = sorted[^1] * (1 + spread);
        var cell = Max(FinestCell, horizon / Cells);
        var last = (int)Math.Ceiling(horizon / cell);

        // Share of jobs completing in each cell (a poll at the end of a cell finds them done). Each learned latency
        // stands for jobs near it (a plan fitted to the gaps between the samples would skip times where the next jobs do
        // complete): within ± the kernel bandwidth, relative to the latency.
        var share = new double[last + 1];
        foreach (var latency in sorted)
        {
            var from = CellOf(latency * (1 - spread), cell, last);
            var to = CellOf(latency * (1 + spread), cell, last);
            for (var i = from; i <= to; i++) share[i] += 1.0 / sorted.Count / (to - from + 1);
        }
        var mass = new double[last + 2]; var weighted = new double[last + 2]; // prefix sums: share, share × cell index
        for (var i = 0; i <= last; i++) { mass[i + 1] = mass[i] + share[i]; weighted[i + 1] = weighted[i] + share[i] * i; }
        double Remaining(int after) => mass[last + 1] - mass[after + 1];
        // Detection delay of the jobs completing after cell a, up to and including cell b, found by a poll at b.
        double Delay(int a, int b) => (b * (mass[b + 1] - mass[a + 1]) - (weighted[b + 1] - weighted[a + 1])) * cell.TotalSeconds;

        // No plan has more polls than cells: the bound's count stops mattering there.
        var requests = Math.Min((int)Math.Ceiling(horizon / minPollInterval) + 2, last + 1);
        var best = new double[requests + 1, last + 1]; // best[k, a]: expected delay still to come, k polls done, the last at a
        var next = new int[requests + 1, last + 1];
        for (var k = requests; k >= 0; k--)
            for (var a = last; a >= 0; a--)
            {
                next[k, a] = -1;
                if (Remaining(a) < 1e-12) continue; // nothing left to find
                best[k, a] = double.MaxValue;
                if (k == requests) continue;
                // The (k + 1)-th request no earlier than k × MinPollInterval: the bound.
                var earliest = Math.Max(a + 1, (int)Math.Ceiling(minPollInterval * k / cell - 1e-9));
                for (var b = earliest; b <= last; b++)
                {
                    var cost = Delay(a, b) + RequestCost * Remaining(a) + best[k + 1, b];
                    if (cost < best[k, a]) { best[k, a] = cost; next[k, a] = b; }
                }
            }

        var plan = new List<TimeSpan>();
        for (int k = 0, at = next[0, 0]; at >= 0; k++, at = next[k, at]) plan.Add(cell * at);
        return [.. plan];
    }

    /// <summary>
    /// How far either side of a learned latency (a share of it) the next jobs' latencies are taken to lie: Silverman's
    /// rule of thumb on the logarithms, 0.9 × min(standard deviation, interquartile range ÷ 1.34) × n^(−1/5). Steady
    /// latencies get next to none; B9's lognormal spread about ±18 %.
    /// </summary>
    private static double Spread(IReadOnlyList<TimeSpan> sorted)
    {
        var logs = sorted.Select(latency => Math.Log(Math.Max(latency.TotalSeconds, 0.01))).ToArray();
        var mean = logs.Average();
        var deviation = Math.Sqrt(logs.Sum(x => (x - mean) * (x - mean)) / logs.Length);
        var quartiles = (logs[(int)(0.75 * (logs.Length - 1))] - logs[(int)(0.25 * (logs.Length - 1))]) / 1.34;
        var bandwidth = 0.9 * Math.Min(deviation, quartiles > 0 ? quartiles : deviation) * Math.Pow(logs.Length, -0.2);
        return Math.Min(bandwidth, 0.5);
    }

    private static int CellOf(TimeSpan latency, TimeSpan cell, int last) => Math.Min(last, (int)Math.Ceiling(latency / cell - 1e-9));

    private static TimeSpan Max(TimeSpan a, TimeSpan b) => a > b ? a : b;
}
