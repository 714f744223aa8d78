using BatchEditor.IntegrationTests.Infrastructure;
using BatchEditor.Persistence;

namespace BatchEditor.IntegrationTests;

/// <summary>The session-held cluster lock of the batch rounds: one holder at a time, freed on dispose, no idle transaction.</summary>
public class ClusterLockTests
{
    [Fact]
    public async Task One_session_holds_it_at_a_time_without_an_open_transaction_and_dispose_frees_it()
    {
        await using var bed = await TestBed.StartAsync();
        const long key = 4242;
        await using (var first = await ClusterLock.TryTakeSessionAsync(bed.Db, key, CancellationToken.None))
        {
            Assert.NotNull(first);
            Assert.Null(await ClusterLock.TryTakeSessionAsync(bed.Db, key, CancellationToken.None));
            // Held by a session, not a transaction: nothing sits idle in a transaction, which the workers' databases end after a while.
            Assert.Equal(0L, await bed.ScalarAsync<long>(
                "select count(*) from pg_stat_activity where datname = current_database() and state = 'idle in transaction'"));
        }
        await using var again = await ClusterLock.TryTakeSessionAsync(bed.Db, key, CancellationToken.None);
        Assert.NotNull(again);
    }
}
