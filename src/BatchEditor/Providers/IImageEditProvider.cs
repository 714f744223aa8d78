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

    /// <summary>
    /// Prepares the request (downloads, conversions), then sends it through <paramref name="fence"/>: a failure before the
    /// fence is a refusal (nothing sent), one after it is classified by <see cref="HttpOutcomes"/>.
    /// </summary>
    Task<SubmitOutcome> SubmitAsync(EditRequest request, SubmitFence fence, CancellationToken ct);

    Task<PollOutcome> PollAsync(ProviderJob job, CancellationToken ct);

    /// <summary>
    /// The reference to poll a job known only by its id (an operator adopting a job found on the provider's dashboard);
    /// null for synchronous providers, whose answers are the only trace of an edit.
    /// </summary>
    ProviderJob? JobFromId(string jobId, string model);
}
