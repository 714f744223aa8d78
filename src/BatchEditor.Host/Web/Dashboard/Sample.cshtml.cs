using BatchEditor.Operations;
using BatchEditor.ReadModel;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;

namespace BatchEditor.Host.Web.Dashboard;

/// <summary>A manifest's sample as a contact sheet — each input beside its outputs — with Approve and Reject (whole or per item).</summary>
public sealed class SampleModel(ManifestQueries manifests, SampleSheets sheets, SampleActions samples) : PageModel
{
    public SampleSheet? Sheet { get; private set; }
    public string Manifest { get; private set; } = "";

    public async Task<IActionResult> OnGetAsync(string manifest, CancellationToken ct)
    {
        Manifest = manifest;
        if (await manifests.FindAsync(manifest, ct) is not { } info) return NotFound($"no manifest named '{manifest}'");
        Sheet = await sheets.ForManifestAsync(info.Id, ct);
        if (Sheet is null) Response.StatusCode = StatusCodes.Status404NotFound;
        return Page();
    }

    public async Task<IActionResult> OnPostApproveAsync(string manifest, CancellationToken ct)
    {
        if (await manifests.FindAsync(manifest, ct) is not { } info) return NotFound();
        TempData["Message"] = (await samples.ApproveAsync(info.Id, info.Name, Api.Actor.Of(User), ct)).Message;
        return RedirectToPage(new { manifest });
    }

    /// <summary>The whole sample, or one item of it (<paramref name="item"/>), runs again with <paramref name="prompt"/>.</summary>
    public async Task<IActionResult> OnPostRejectAsync(string manifest, string? prompt, long? item, CancellationToken ct)
    {
        if (await manifests.FindAsync(manifest, ct) is not { } info) return NotFound();
        TempData["Message"] = string.IsNullOrWhiteSpace(prompt)
            ? "A rejected sample runs again with a new prompt: write one."
            : (await samples.RejectAsync(info.Id, info.Name, prompt, item is { } one ? [one] : null, Api.Actor.Of(User), ct)).Message;
        return RedirectToPage(new { manifest });
    }
}
