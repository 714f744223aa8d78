using System.Text.Json.Nodes;

namespace BatchEditor.IntegrationTests.Infrastructure;

/// <summary>What an EXPLAIN (ANALYZE, BUFFERS, FORMAT JSON) says about cost: buffers touched, rows filtered out, time.</summary>
public sealed record ClaimPlan(long Buffers, long MostRowsRemoved, double Milliseconds, string Nodes)
{
    public static ClaimPlan Of(string json)
    {
        var root = JsonNode.Parse(json)![0]!;
        var plan = root["Plan"]!;
        var nodes = new List<string>();
        long mostRemoved = 0;
        Walk(plan);
        return new((long)plan["Shared Hit Blocks"]! + (long)plan["Shared Read Blocks"]!, mostRemoved, (double)root["Execution Time"]!, string.Join(", ", nodes.Distinct()));

        void Walk(JsonNode node)
        {
            var name = (string)node["Node Type"]!;
            if (node["Index Name"] is { } index) name += $" on {index}";
            nodes.Add(name);
            mostRemoved = Math.Max(mostRemoved, (long?)node["Rows Removed by Filter"] ?? 0);
            foreach (var child in node["Plans"]?.AsArray() ?? []) Walk(child!);
        }
    }

    public override string ToString() => $"{Buffers} buffers, at most {MostRowsRemoved} rows filtered out in a node, {Milliseconds:0.#} ms; {Nodes}";
}
