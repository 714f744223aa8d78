using BatchEditor.ProviderSim;

// Standalone: provider-sim --urls http://127.0.0.1:5089 [--Sim:JobLatency 00:00:02]
var app = SimulatorServer.Create(args);
await app.RunAsync();
