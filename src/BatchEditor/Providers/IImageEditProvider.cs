namespace BatchEditor.Providers;

/// <summary>
/// One hosted image-edit API. Adding a provider = one folder with an implementation of this, one line in
/// <see cref="ProviderRegistration"/>, and passing the contract tests.
/// </summary>
public interface IImageEditProvider
{
    /// <summary>The name used on the CLI and in the CSV's <c>provider</c> column (lower case).</summary>
    string Name { get; }

    /// <summary>The model used when neither the row nor the manifest names one.</summary>
    string DefaultModel { get; }

    /// <summary>Import-time check of one request against this provider's capabilities.</summary>
    IEnumerable<RequestProblem> Validate(EditRequest request);

    /// <summary>What the request is expected to cost, written to the ledger when the provider reports nothing.</summary>
    CostReport Estimate(EditRequest request);

    Task<SubmitOutcome> SubmitAsync(EditRequest request, CancellationToken ct);

    Task<PollOutcome> PollAsync(ProviderJob job, CancellationToken ct);
}
