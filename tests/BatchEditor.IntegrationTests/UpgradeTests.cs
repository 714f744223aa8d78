using System.Security.Cryptography;
using System.Text;
using BatchEditor.IntegrationTests.Infrastructure;
using BatchEditor.Persistence;
using Npgsql;

namespace BatchEditor.IntegrationTests;

/// <summary>A database as the previous version (schedules on Quartz) left it, upgraded by the real binary.</summary>
public sealed class UpgradeTests : IDisposable
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(60);
    private readonly DirectoryInfo _drop = Directory.CreateTempSubdirectory("batch-editor-drop-");

    public void Dispose() => _drop.Delete(recursive: true);

    /// <summary>The last migration of the version that ran schedules on Quartz.</summary>
    private const string LastQuartzMigration = "0013_settlement.sql";

    [Fact]
    public async Task Schedules_stored_by_the_quartz_version_become_recurring_jobs_and_fire_after_the_upgrade()
    {
        await using var bed = await TestBed.StartAsync();
        var connectionString = new NpgsqlConnectionStringBuilder(bed.ConnectionString) { Database = $"u_{Guid.NewGuid():N}" }.ConnectionString;
        Assert.True(await DatabaseCreator.EnsureExistsAsync(connectionString, CancellationToken.None));
        await using var db = NpgsqlDataSource.Create(connectionString);
        await CreateAsThePreviousVersionDidAsync(db);
        // Stored by `schedule add` then: Quartz expressions (seconds first, '?'); one of them paused in Quartz.
        await AddQuartzScheduleAsync(db, "every-two-seconds", "0/2 * * * * ?", paused: false);
        await AddQuartzScheduleAsync(db, "sundays", "0 30 1 ? * 1", paused: true);
        await File.WriteAllTextAsync(Path.Combine(_drop.FullName, "tonight.csv"), Csv.Manifest(2));

        var env = bed.EnvironmentVariables();
        env["ConnectionStrings__BatchEditor"] = connectionString;
        var migrate = await Cli.RunAsync(env, Timeout, "migrate");
        Assert.True(migrate.ExitCode == 0, migrate.ToString());
        Assert.Contains("0014_hangfire.sql", migrate.Stdout);
        Assert.Contains("hangfire schema", migrate.Stdout);
        Assert.Equal(0L, await ScalarAsync<long>(db, "select count(*) from pg_tables where tablename like 'qrtz\\_%'"));

        // The first worker converts the expressions and creates the recurring jobs; the running schedule fires by itself.
        await using (WorkerProcess.Start(env))
            await bed.WaitForAsync(async () => await ScalarAsync<long>(db, "select count(*) from schedule_files where outcome = 'imported'") == 1,
                what: "the upgraded schedule's fire");
        Assert.Equal(2L, await ScalarAsync<long>(db, "select count(*) from items"));
        Assert.Equal("0/2 * * * * *", await ScalarAsync<string>(db, "select value from hangfire.hash where key = 'recurring-job:schedule:every-two-seconds' and field = 'Cron'"));
        Assert.Equal("30 1 * * 0", await ScalarAsync<string>(db, "select cron from schedules where name = 'sundays'"));
        Assert.Equal(0L, await ScalarAsync<long>(db, "select count(*) from hangfire.hash where key = 'recurring-job:schedule:sundays'"));

        var list = await Cli.RunAsync(env, Timeout, "schedule", "list");
        Assert.Contains("sundays: \"30 1 * * 0\" UTC", list.Stdout);
        Assert.Contains(", Paused;", list.Stdout);
    }

    /// <summary>Migrations up to <see cref="LastQuartzMigration"/>, recorded as its migrator did, and the tables Quartz created.</summary>
    private static async Task CreateAsThePreviousVersionDidAsync(NpgsqlDataSource db)
    {
        await ExecuteAsync(db, "create table schema_migrations (name text primary key, checksum text not null, applied_at timestamptz not null default now())");
        foreach (var file in Directory.GetFiles(Path.Combine(AppContext.BaseDirectory, "migrations"), "*.sql").Order(StringComparer.Ordinal))
        {
            if (string.CompareOrdinal(Path.GetFileName(file), LastQuartzMigration) > 0) break;
            var sql = await File.ReadAllTextAsync(file);
            await ExecuteAsync(db, sql);
            await ExecuteAsync(db, "insert into schema_migrations (name, checksum) values ($1, $2)", Path.GetFileName(file),
                Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(sql))));
        }
        var quartz = await File.ReadAllTextAsync(Path.Combine(AppContext.BaseDirectory, "Fixtures", "quartz-4.7.3-create_postgres.sql"));
        await ExecuteAsync(db, quartz.Replace("{0}", "qrtz_").Replace("{1}", "qrtz_"));
    }

    /// <summary>The rows `schedule add` wrote then: the schedule, and Quartz's job, trigger and cron trigger.</summary>
    private async Task AddQuartzScheduleAsync(NpgsqlDataSource db, string name, string quartzCron, bool paused)
    {
        await ExecuteAsync(db, "insert into schedules (name, cron, time_zone, source, defaults, settings) values ($1, $2, 'UTC', $3, $4::jsonb, $5::jsonb)",
            name, quartzCron, _drop.FullName,
            """{"provider":"pixeldojo","model":null,"quality":null,"size":null,"promptTemplate":null,"format":null}""",
            """{"priority":0,"budgetCredits":null,"budgetUsd":null,"notBefore":null,"window":null,"webhookUrl":null}""");
        var now = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() * 10_000 + 621_355_968_000_000_000; // Quartz stores .NET ticks
        await ExecuteAsync(db, """
            insert into qrtz_job_details (sched_name, job_name, job_group, description, job_class_name, is_durable, is_nonconcurrent, is_update_data, requests_recovery)
            values ('BatchEditor', $1, 'schedules', 'import new CSVs', 'BatchEditor.Scheduling.ImportScheduleJob, BatchEditor', true, true, false, false)
            """, name);
        await ExecuteAsync(db, """
            insert into qrtz_triggers (sched_name, trigger_name, trigger_group, job_name, job_group, next_fire_time, priority, trigger_state, trigger_type, start_time, misfire_instr)
            values ('BatchEditor', $1, 'schedules', $1, 'schedules', $2, 5, $3, 'CRON', $2, 1)
            """, name, now, paused ? "PAUSED" : "WAITING");
        await ExecuteAsync(db, "insert into qrtz_cron_triggers (sched_name, trigger_name, trigger_group, cron_expression, time_zone_id) values ('BatchEditor', $1, 'schedules', $2, 'UTC')",
            name, quartzCron);
    }

    private static async Task ExecuteAsync(NpgsqlDataSource db, string sql, params object[] args)
    {
        await using var cmd = db.CreateCommand(sql);
        foreach (var arg in args) cmd.Parameters.AddWithValue(arg);
        await cmd.ExecuteNonQueryAsync();
    }

    private static async Task<T> ScalarAsync<T>(NpgsqlDataSource db, string sql)
    {
        await using var cmd = db.CreateCommand(sql);
        return (T)(await cmd.ExecuteScalarAsync())!;
    }
}
