using System.Globalization;
using System.Text.RegularExpressions;

namespace BatchEditor.ProviderSim;

/// <summary>
/// Per-request scripting through directives in the prompt, so a CSV row can ask for a failure mode:
/// <c>[sim:fail]</c> the job fails; <c>[sim:429]</c> the first submit is refused with 429 and Retry-After;
/// <c>[sim:503]</c> likewise with 503; <c>[sim:500]</c> the job is created but the submit answers 500;
/// <c>[sim:stall]</c> the submit never answers; <c>[sim:latency=3s]</c> the job takes that long;
/// <c>[sim:expired]</c> outputs are already expired; <c>[sim:truncate]</c> downloads are cut short;
/// <c>[sim:legacy]</c> PixelDojo answers with the older <c>output.image</c> shape.
/// </summary>
public sealed partial record SimScript(bool Fail, int? RefuseFirstWith, bool CreateThen500, bool Stall, TimeSpan? Latency,
    bool Expired, bool Truncate, bool Legacy)
{
    [GeneratedRegex(@"\[sim:([a-z0-9]+)(?:=([0-9.]+)(ms|s))?\]")]
    private static partial Regex Directive();

    public static SimScript Parse(string? prompt)
    {
        var script = new SimScript(false, null, false, false, null, false, false, false);
        foreach (Match m in Directive().Matches(prompt ?? ""))
        {
            script = m.Groups[1].Value switch
            {
                "fail" => script with { Fail = true },
                "429" => script with { RefuseFirstWith = 429 },
                "503" => script with { RefuseFirstWith = 503 },
                "500" => script with { CreateThen500 = true },
                "stall" => script with { Stall = true },
                "expired" => script with { Expired = true },
                "truncate" => script with { Truncate = true },
                "legacy" => script with { Legacy = true },
                "latency" when m.Groups[2].Success => script with { Latency = Duration(m) },
                _ => script,
            };
        }
        return script;
    }

    private static TimeSpan Duration(Match m)
    {
        var value = double.Parse(m.Groups[2].Value, CultureInfo.InvariantCulture);
        return m.Groups[3].Value == "ms" ? TimeSpan.FromMilliseconds(value) : TimeSpan.FromSeconds(value);
    }
}
