using BenchmarkDotNet.Running;

// dotnet run -c Release --project bench/micro -- --filter '*'   (BenchmarkDotNet's own options apply)
BenchmarkSwitcher.FromAssembly(typeof(GenAiRouter.Bench.Micro.HotPathBenchmarks).Assembly).Run(args);
