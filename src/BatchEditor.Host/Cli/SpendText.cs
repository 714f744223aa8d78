using System.Globalization;
using BatchEditor.Totals;

namespace BatchEditor.Host.Cli;

/// <summary>Money as every command prints it: credits, dollars, and whether any of it is our estimate rather than the provider's figure.</summary>
public static class SpendText
{
    public static string Of(Spend spend)
    {
        var text = $"{spend.Credits.ToString("0.##", CultureInfo.InvariantCulture)} credits" +
            (spend.CostUsd is { } usd ? $", ${usd.ToString("0.00##", CultureInfo.InvariantCulture)}" : "");
        return spend.AnyEstimated ? text + " (estimated in part: a provider reported no cost for some items)" : text;
    }
}
