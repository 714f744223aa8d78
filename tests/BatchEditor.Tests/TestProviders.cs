using BatchEditor.Providers;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace BatchEditor.Tests;

/// <summary>A provider registry built the way the application builds it, from configuration.</summary>
public static class TestProviders
{
    public static ProviderRegistry Registry(params (string Key, string Value)[] settings)
    {
        var values = new Dictionary<string, string?> { ["Providers:PixelDojo:ApiKey"] = "k" };
        foreach (var (k, v) in settings) values[k] = v;
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(values).Build();
        return new ServiceCollection().AddProviders(configuration).BuildServiceProvider().GetRequiredService<ProviderRegistry>();
    }
}
