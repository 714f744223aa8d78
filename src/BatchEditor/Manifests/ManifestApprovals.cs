using Npgsql;

namespace BatchEditor.Manifests;

/// <summary>A manifest submitted sample first: its sample's size and spread, and whether the rest is approved.</summary>
public sealed record SampleApproval(int SampleSize, string? SampleBy, string Approval)
{
    public bool Awaiting => Approval == ManifestApprovals.Awaiting;
}

/// <summary>The approval columns of <c>manifests</c>.</summary>
public sealed class ManifestApprovals(NpgsqlDataSource dataSource)
{
    public const string Awaiting = "awaiting";
    public const string Approved = "approved";

    private const string Read = "select sample_size, sample_by, approval from manifests where id = @id and approval is not null";

    private const string Approve = "update manifests set approval = 'approved' where id = @id and approval = 'awaiting'";

    /// <summary>Null for a manifest submitted without a sample.</summary>
    public async Task<SampleApproval?> GetAsync(Guid manifestId, CancellationToken ct)
    {
        await using var cmd = dataSource.CreateCommand(Read);
        cmd.Parameters.Add(new NpgsqlParameter<Guid>("id", manifestId));
        await using var r = await cmd.ExecuteReaderAsync(ct);
        return await r.ReadAsync(ct) ? new(r.GetInt32(0), r.IsDBNull(1) ? null : r.GetString(1), r.GetString(2)) : null;
    }

    /// <summary>Marks the rest approved; false when nothing awaited approval (approved already, or no sample).</summary>
    public async Task<bool> ApproveAsync(Guid manifestId, CancellationToken ct)
    {
        await using var cmd = dataSource.CreateCommand(Approve);
        cmd.Parameters.Add(new NpgsqlParameter<Guid>("id", manifestId));
        return await cmd.ExecuteNonQueryAsync(ct) == 1;
    }
}
