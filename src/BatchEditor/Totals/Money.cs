using System.Globalization;

namespace BatchEditor.Totals;

/// <summary>
/// What something cost, as every command, page and API shows it: the credits, the money for the part a price is known
/// for, and the credits left unpriced (a provider without <c>CreditPriceUsd</c>) named as such, so a partly priced sum
/// never passes for the whole cost; <see cref="Estimated"/> when any of it is our estimate, not the provider's figure.
/// </summary>
/// <param name="Usd">Money for the priced part; null when no part is priced.</param>
/// <param name="UnpricedCredits">Credits with no money figure.</param>
public sealed record Money(decimal Credits, decimal? Usd, decimal UnpricedCredits, bool Estimated)
{
    public static readonly Money Zero = new(0, null, 0, false);

    /// <summary>One ledger entry or estimate: unpriced when it carries no money figure.</summary>
    public static Money Entry(decimal credits, decimal? usd, bool estimated) => new(credits, usd, usd is null ? credits : 0, estimated);

    public static Money Of(Spend spend) => new(spend.Credits, spend.CostUsd, spend.UnpricedCredits, spend.AnyEstimated);

    /// <summary>Every credit has a money figure (or there are none).</summary>
    public bool FullyPriced => UnpricedCredits == 0;

    public Money Plus(Money other) => new(Credits + other.Credits, Usd is null && other.Usd is null ? null : (Usd ?? 0) + (other.Usd ?? 0),
        UnpricedCredits + other.UnpricedCredits, Estimated || other.Estimated);

    public Money Times(long n) => new(Credits * n, Usd * n, UnpricedCredits * n, Estimated);

    /// <summary>"$2.40 · 240 credits", "$1.20 · 240 credits (120 unpriced)", "240 credits (unpriced)", "$0.85"; "(estimated in part)" after.</summary>
    public override string ToString()
    {
        var text = (Usd, Credits, UnpricedCredits) switch
        {
            (null, var c, _) when c == 0 => "0 credits",
            (null, var c, _) => $"{Number(c)} credits (unpriced)",
            ({ } usd, var c, _) when c == 0 => Dollars(usd),
            ({ } usd, var c, var u) when u == 0 => $"{Dollars(usd)} · {Number(c)} credits",
            ({ } usd, var c, var u) => $"{Dollars(usd)} · {Number(c)} credits ({Number(u)} unpriced)",
        };
        return Estimated ? text + " (estimated in part)" : text;
    }

    public static string Dollars(decimal usd) => (usd < 0 ? "-$" : "$") + Math.Abs(usd).ToString("0.00##", CultureInfo.InvariantCulture);

    public static string Number(decimal credits) => credits.ToString("0.####", CultureInfo.InvariantCulture);
}
