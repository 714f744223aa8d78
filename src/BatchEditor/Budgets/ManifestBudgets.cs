using Npgsql;
using NpgsqlTypes;

namespace BatchEditor.Budgets;

/// <summary>A manifest's budget as an operator sets it (<c>batch-editor budget</c>); held items then need a release.</summary>
public sealed class ManifestBudgets(NpgsqlDataSource dataSource)
{
    public sealed record Budget(decimal? Credits, decimal? Usd);

    public async Task<Budget> SetAsync(Guid manifestId, Budget budget, CancellationToken ct)
    {
        await using var cmd = dataSource.CreateCommand("update manifests set budget_credits = $2, budget_usd = $3 where id = $1 returning budget_credits, budget_usd");
        cmd.Parameters.AddWithValue(manifestId);
        cmd.Parameters.Add(new NpgsqlParameter { Value = (object?)budget.Credits ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.Numeric });
        cmd.Parameters.Add(new NpgsqlParameter { Value = (object?)budget.Usd ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.Numeric });
        return await ReadAsync(cmd, ct);
    }

    public async Task<Budget> GetAsync(Guid manifestId, CancellationToken ct)
    {
        await using var cmd = dataSource.CreateCommand("select budget_credits, budget_usd from manifests where id = $1");
        cmd.Parameters.AddWithValue(manifestId);
        return await ReadAsync(cmd, ct);
    }

    private static async Task<Budget> ReadAsync(NpgsqlCommand cmd, CancellationToken ct)
    {
        await using var r = await cmd.ExecuteReaderAsync(ct);
        return await r.ReadAsync(ct) ? new(r.IsDBNull(0) ? null : r.GetDecimal(0), r.IsDBNull(1) ? null : r.GetDecimal(1)) : new(null, null);
    }
}
