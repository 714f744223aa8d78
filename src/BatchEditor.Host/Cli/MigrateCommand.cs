using System.CommandLine;
using BatchEditor.Persistence;
using Microsoft.Extensions.DependencyInjection;

namespace BatchEditor.Host.Cli;

public static class MigrateCommand
{
    public static Command Create()
    {
        var command = new Command("migrate", "Create or update the database schema (safe to run twice, or from several processes at once).");
        command.SetAction((_, ct) => CommandHost.RunAsync(async () =>
        {
            using var host = CommandHost.Build();
            var connectionString = Persistence.PersistenceRegistration.ConnectionString(host.Services.GetRequiredService<Microsoft.Extensions.Configuration.IConfiguration>());
            if (await DatabaseCreator.EnsureExistsAsync(connectionString, ct))
                Console.WriteLine($"Created database {new Npgsql.NpgsqlConnectionStringBuilder(connectionString).Database}.");
            var applied = await host.Services.GetRequiredService<Migrator>().MigrateAsync(Migrator.DefaultDirectory, ct);
            Console.WriteLine(applied.Count == 0 ? "Schema is up to date." : $"Applied: {string.Join(", ", applied)}");
            return ExitCodes.Ok;
        }));
        return command;
    }
}
