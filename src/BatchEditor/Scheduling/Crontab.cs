using System.Text.RegularExpressions;
using Cronos;

namespace BatchEditor.Scheduling;

/// <summary>
/// Schedules are written as crontab, as Hangfire takes them: five fields (minute hour day-of-month month day-of-week),
/// or six with seconds first. Quartz expressions (seconds first, a <c>?</c> in day-of-month or day-of-week, Sunday = 1,
/// an optional year), which schedules stored before Hangfire used, are converted.
/// </summary>
public static partial class Crontab
{
    /// <summary>The crontab form of <paramref name="expression"/>, checked; throws <see cref="FormatException"/> with the reason.</summary>
    public static string Normalize(string expression)
    {
        var fields = expression.Split(' ', StringSplitOptions.RemoveEmptyEntries);
        var converted = IsQuartz(fields) ? FromQuartz(fields) : string.Join(' ', fields);
        try
        {
            _ = Parse(converted);
        }
        catch (CronFormatException e)
        {
            throw new FormatException($"\"{expression}\" is not a cron expression: {e.Message} (five fields: minute hour day-of-month month day-of-week, e.g. \"0 2 * * *\" for 02:00 daily)", e);
        }
        return converted;
    }

    /// <summary>When <paramref name="expression"/> (crontab) fires next after <paramref name="after"/> in <paramref name="zone"/>.</summary>
    public static DateTimeOffset? Next(string expression, TimeZoneInfo zone, DateTimeOffset after) => Parse(expression).GetNextOccurrence(after, zone);

    private static CronExpression Parse(string expression) =>
        CronExpression.Parse(expression, expression.Split(' ', StringSplitOptions.RemoveEmptyEntries).Length == 6 ? CronFormat.IncludeSeconds : CronFormat.Standard);

    /// <summary>Quartz requires a <c>?</c> in one of the day fields, and allows a seventh (year) field; crontab has neither.</summary>
    private static bool IsQuartz(string[] fields) => fields.Length == 7 || (fields.Length == 6 && fields.Any(f => f == "?"));

    private static string FromQuartz(string[] fields)
    {
        if (fields.Length == 7 && fields[6] is not ("*" or "?"))
            throw new FormatException($"\"{string.Join(' ', fields)}\" names a year ({fields[6]}), which crontab cannot express");
        var (seconds, minutes, hours, dayOfMonth, month, dayOfWeek) = (fields[0], fields[1], fields[2], fields[3], fields[4], fields[5]);
        var crontab = new[] { minutes, hours, Any(dayOfMonth), month, Any(QuartzDayNumbers().Replace(dayOfWeek, m => (int.Parse(m.Value, System.Globalization.CultureInfo.InvariantCulture) - 1).ToString(System.Globalization.CultureInfo.InvariantCulture))) };
        // At second 0 the seconds field adds nothing; otherwise it stays (Hangfire takes six fields with seconds first).
        return string.Join(' ', seconds == "0" ? crontab : [seconds, .. crontab]);
    }

    private static string Any(string field) => field == "?" ? "*" : field;

    /// <summary>Day-of-week numbers (Quartz counts 1 = Sunday … 7 = Saturday, crontab 0 … 6); not a step (<c>/n</c>) nor the n of <c>#n</c>.</summary>
    [GeneratedRegex(@"(?<![#/\d])[1-7](?!\d)")]
    private static partial Regex QuartzDayNumbers();
}
