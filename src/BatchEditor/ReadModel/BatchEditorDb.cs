using System.Text;
using Microsoft.EntityFrameworkCore;

namespace BatchEditor.ReadModel;

/// <summary>
/// The read model behind the dashboard and the HTTP API: EF Core over the tables the SQL migrations create, queried
/// without tracking. Writes never go through it: the claim, the guarded transitions and the import are explicit SQL.
/// </summary>
public sealed class BatchEditorDb(DbContextOptions<BatchEditorDb> options) : DbContext(options)
{
    public DbSet<ManifestRecord> Manifests => Set<ManifestRecord>();
    public DbSet<ItemRecord> Items => Set<ItemRecord>();
    public DbSet<HistoryRecord> History => Set<HistoryRecord>();
    public DbSet<AttemptRecord> Attempts => Set<AttemptRecord>();
    public DbSet<OutputRecord> Outputs => Set<OutputRecord>();
    public DbSet<LedgerRecord> Ledger => Set<LedgerRecord>();
    public DbSet<BreakerRecord> Breakers => Set<BreakerRecord>();
    public DbSet<PauseRecord> Pauses => Set<PauseRecord>();
    public DbSet<WorkerRecord> Workers => Set<WorkerRecord>();

    protected override void OnModelCreating(ModelBuilder model)
    {
        model.Entity<ManifestRecord>().ToTable("manifests");
        model.Entity<ItemRecord>().ToTable("items").Property(i => i.State).HasConversion<string>();
        model.Entity<HistoryRecord>().ToTable("item_history");
        model.Entity<AttemptRecord>().ToTable("provider_attempts");
        model.Entity<OutputRecord>().ToTable("outputs").Property(o => o.State).HasConversion<string>();
        model.Entity<LedgerRecord>().ToTable("usage_ledger");
        model.Entity<BreakerRecord>().ToTable("provider_breakers").HasKey(b => b.Provider);
        model.Entity<PauseRecord>().ToTable("provider_pauses").HasKey(p => p.Provider);
        // A pause past its resume time is over (the claim ignores it too; the next pause of that provider removes the row).
        model.Entity<PauseRecord>().HasQueryFilter(p => p.ResumeAt == null || p.ResumeAt > DateTimeOffset.UtcNow);
        model.Entity<WorkerRecord>().ToTable("workers").HasKey(w => w.Name);
        // The tables' columns are snake_case: one convention instead of a HasColumnName per property.
        foreach (var entity in model.Model.GetEntityTypes())
            foreach (var property in entity.GetProperties())
                property.SetColumnName(SnakeCase(property.Name));
    }

    internal static string SnakeCase(string name)
    {
        var s = new StringBuilder(name.Length + 4);
        for (var i = 0; i < name.Length; i++)
        {
            if (char.IsUpper(name[i]) && i > 0) s.Append('_');
            s.Append(char.ToLowerInvariant(name[i]));
        }
        return s.ToString();
    }
}
