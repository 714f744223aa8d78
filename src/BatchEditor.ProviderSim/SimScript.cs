using System.Globalization;
using System.Text.RegularExpressions;

namespace BatchEditor.ProviderSim;

/// <summary>
/// Per-request scripting through directives in the prompt, so a CSV row can ask for a failure mode:
/// <c>[sim:fail]</c> the job fails; <c>[sim:429]</c> / <c>[sim:503]</c> the first submit is refused with that status and
/// Retry-After (<c>[sim:503=8]</c>: the first 8); <c>[sim:500]</c> the job is created but the submit answers 500;
/// <c>[sim:stall]</c> the submit never answers (<c>[sim:stallonce]</c>: only the first time); <c>[sim:latency=3s]</c> the
/// job takes that long; <c>[sim:slowanswer=3s]</c> the job is created and charged, then the answer waits that long;
/// <c>[sim:expired]</c> outputs are already expired; <c>[sim:truncate]</c> downloads are cut short; <c>[sim:stallbody]</c>
/// downloads stop sending halfway and never finish; <c>[sim:empty]</c> the job completes without any output;
/// <c>[sim:garbage]</c> a synchronous provider answers 200 with a body that is not JSON; <c>[sim:legacy]</c> PixelDojo
/// answers with the older <c>output.image</c> shape; <c>[sim:badinput]</c> PixelDojo refuses the submit with 400, saying it
/// could not download the input image; <c>[sim:blank]</c> outputs are one flat colour; <c>[sim:wrongsize]</c> outputs are half
/// as tall as asked; <c>[sim:unchanged]</c> the output is the input image itself (for inputs the simulator serves);
/// <c>[sim:outsidemask]</c> an edit with a mask changes the image outside the mask too (otherwise it edits only inside it);
/// <c>[sim:wrongformat]</c> PixelDojo answers PNG whatever <c>output_format</c> asked for (otherwise it honours it);
/// <c>[sim:batchslow]</c> in an OpenAI batch the line takes an hour (sent on its own, it takes the usual time).
/// </summary>
public sealed partial record SimScript(bool Fail, int? RefuseFirstWith, bool CreateThen500, bool Stall, TimeSpan? Latency,
    bool Expired, bool Truncate, bool Legacy)
{
    /// <summary>How many submits are refused with <see cref="RefuseFirstWith"/> (1 unless <c>=N</c> says otherwise).</summary>
    public int RefuseCount { get; init; } = 1;
    public bool StallOnce { get; init; }
    public TimeSpan? AnswerDelay { get; init; }
    public bool StallBody { get; init; }
    public bool Empty { get; init; }
    public bool Garbage { get; init; }
    public bool BadInput { get; init; }
    public bool Blank { get; init; }
    public bool WrongSize { get; init; }
    public bool Unchanged { get; init; }
    public bool OutsideMask { get; init; }
    public bool WrongFormat { get; init; }
    public bool BatchSlow { get; init; }

    public static readonly SimScript None = new(false, null, false, false, null, false, false, false);

    [GeneratedRegex(@"\[sim:([a-z0-9]+)(?:=([0-9.]+)(ms|s)?)?\]")]
    private static partial Regex Directive();

    public static SimScript Parse(string? prompt)
    {
        var script = None;
        foreach (Match m in Directive().Matches(prompt ?? ""))
        {
            script = m.Groups[1].Value switch
            {
                "fail" => script with { Fail = true },
                "429" => script with { RefuseFirstWith = 429, RefuseCount = Count(m) },
                "503" => script with { RefuseFirstWith = 503, RefuseCount = Count(m) },
                "500" => script with { CreateThen500 = true },
                "stall" => script with { Stall = true },
                "stallonce" => script with { StallOnce = true },
                "expired" => script with { Expired = true },
                "truncate" => script with { Truncate = true },
                "stallbody" => script with { StallBody = true },
                "empty" => script with { Empty = true },
                "garbage" => script with { Garbage = true },
                "legacy" => script with { Legacy = true },
                "badinput" => script with { BadInput = true },
                "blank" => script with { Blank = true },
                "wrongsize" => script with { WrongSize = true },
                "unchanged" => script with { Unchanged = true },
                "outsidemask" => script with { OutsideMask = true },
                "wrongformat" => script with { WrongFormat = true },
                "batchslow" => script with { BatchSlow = true },
                "latency" when m.Groups[2].Success => script with { Latency = Duration(m) },
                "slowanswer" when m.Groups[2].Success => script with { AnswerDelay = Duration(m) },
                _ => script,
            };
        }
        return script;
    }

    private static int Count(Match m) => m.Groups[2].Success ? (int)double.Parse(m.Groups[2].Value, CultureInfo.InvariantCulture) : 1;

    private static TimeSpan Duration(Match m)
    {
        var value = double.Parse(m.Groups[2].Value, CultureInfo.InvariantCulture);
        return m.Groups[3].Value == "ms" ? TimeSpan.FromMilliseconds(value) : TimeSpan.FromSeconds(value);
    }
}
