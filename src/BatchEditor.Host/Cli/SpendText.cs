using BatchEditor.Totals;

namespace BatchEditor.Host.Cli;

/// <summary>Money as every command prints it (<see cref="Money"/>), with what to do about credits that have no price.</summary>
public static class SpendText
{
    public static string Of(Spend spend)
    {
        var money = Money.Of(spend);
        var notes = new List<string>();
        if (money.Estimated) notes.Add("a provider reported no cost for some items: its published price stands in");
        if (!money.FullyPriced) notes.Add("set the provider's CreditPriceUsd to price its credits");
        return notes.Count == 0 ? money.ToString() : $"{money}; {string.Join("; ", notes)}";
    }
}
