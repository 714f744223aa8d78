using BatchEditor.IntegrationTests.Infrastructure;
using BatchEditor.Persistence;
using Npgsql;

namespace BatchEditor.IntegrationTests;

public class MigrationTests
{
    [Fact]
    public async Task Migrate_runs_concurrently_and_twice_without_error_and_applies_each_file_once()
    {
        await using var bed = await TestBed.StartAsync();
        // A brand-new empty database on the same server.
        var empty = new NpgsqlConnectionStringBuilder(bed.ConnectionString) { Database = $"m_{Guid.NewGuid():N}" }.ConnectionString;
        Assert.True(await DatabaseCreator.EnsureExistsAsync(empty, CancellationToken.None));
        Assert.False(await DatabaseCreator.EnsureExistsAsync(empty, CancellationToken.None));

        await using var db = NpgsqlDataSource.Create(empty);
        var dir = Path.Combine(AppContext.BaseDirectory, "migrations");
        var results = await Task.WhenAll(Enumerable.Range(0, 3).Select(_ => new Migrator(db).MigrateAsync(dir, CancellationToken.None)));
        var again = await new Migrator(db).MigrateAsync(dir, CancellationToken.None);

        Assert.Single(results, r => r.Count > 0);  // exactly one process did the work; the others waited on the lock
        Assert.Empty(again);
        await using var cmd = db.CreateCommand(
            "select (select count(*) from schema_migrations), to_regclass('items') is not null, to_regclass('hangfire.job') is not null and to_regclass('qrtz_triggers') is null");
        await using var r = await cmd.ExecuteReaderAsync();
        await r.ReadAsync();
        Assert.Equal(Directory.GetFiles(dir, "*.sql").Length, r.GetInt64(0));
        Assert.True(r.GetBoolean(1));
        Assert.True(r.GetBoolean(2));
    }
}
