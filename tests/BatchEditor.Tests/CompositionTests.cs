using BatchEditor.Budgets;
using BatchEditor.Engine;
using BatchEditor.Quotes;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Xunit;

namespace BatchEditor.Tests;

/// <summary>
/// Each composition a command builds is complete: every registered service can be constructed from what that
/// composition registers (ValidateOnBuild), so a read-only command that only builds the base never meets a service
/// that needs a work area it did not add.
/// </summary>
public sealed class CompositionTests
{
    public static TheoryData<string> Compositions => ["base", "base+budgets", "base+quotes", "core", "core+worker"];

    [Theory]
    [MemberData(nameof(Compositions))]
    public void Every_service_of_a_composition_can_be_built(string composition)
    {
        // A host as a command builds it (the host supplies its lifetime, logging and configuration), validating on build.
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { Args = [], DisableDefaults = true });
        builder.Configuration.AddInMemoryCollection(Settings);
        builder.ConfigureContainer(new DefaultServiceProviderFactory(new ServiceProviderOptions { ValidateOnBuild = true, ValidateScopes = true }));
        var services = builder.Services;
        services.AddBatchEditorBase(builder.Configuration);
        if (composition == "base+budgets") services.AddBudgets();
        if (composition == "base+quotes") services.AddQuotes();
        if (composition.StartsWith("core", StringComparison.Ordinal)) services.AddBatchEditorWork(builder.Configuration);
        if (composition == "core+worker") services.AddBatchEditorWorker(builder.Configuration);

        using var host = builder.Build(); // throws, naming each service that cannot be built
    }

    private static readonly Dictionary<string, string?> Settings = new() { ["ConnectionStrings:BatchEditor"] = "Host=localhost;Database=compose_check" };

    [Fact]
    public void The_base_holds_no_work_area()
    {
        var services = new ServiceCollection();
        services.AddBatchEditorBase(new ConfigurationBuilder().AddInMemoryCollection(Settings).Build());
        var registered = services.Select(d => d.ServiceType.Namespace).ToHashSet();
        foreach (var work in new[] { "BatchEditor.Engine", "BatchEditor.Manifests", "BatchEditor.Operations", "BatchEditor.Budgets", "BatchEditor.Webhooks", "BatchEditor.Scheduling" })
            Assert.DoesNotContain(work, registered);
    }
}
