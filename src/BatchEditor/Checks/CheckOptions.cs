using System.ComponentModel.DataAnnotations;

namespace BatchEditor.Checks;

/// <summary>The output checks (<c>Checks__…</c>; docs/checks.md).</summary>
public sealed class CheckOptions
{
    /// <summary>Check every stored output before its item counts as Succeeded.</summary>
    public bool Enabled { get; set; } = true;

    /// <summary>How far an output's width ÷ height may be from the asked size's before it is the wrong shape (providers round).</summary>
    [Range(0, 1)] public double AspectTolerance { get; set; } = 0.03;

    /// <summary>Below this spread of luminance (0–255, over a 32 × 32 grid) an output is blank or near-uniform.</summary>
    [Range(0, 255)] public double BlankSpread { get; set; } = 2.0;

    /// <summary>Below this mean difference from the input (0–255, over the grid) an output is the input returned unchanged.</summary>
    [Range(0, 255)] public double UnchangedDifference { get; set; } = 1.0;

    /// <summary>Above this mean difference from the input (0–255) where the mask protects the image, an edit changed what it must not.</summary>
    [Range(0, 255)] public double MaskedChangeLimit { get; set; } = 4.0;

    /// <summary>Fetch the first input image (through the outbound guard) to tell whether an output is that input unchanged.</summary>
    public bool CompareWithInput { get; set; } = true;

    /// <summary>How long fetching the input for that comparison may take; past it, the comparison is skipped (said in the log).</summary>
    public TimeSpan InputTimeout { get; set; } = TimeSpan.FromSeconds(20);
}
