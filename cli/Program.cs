using System.CommandLine;
using GenAiRouter.Cli.Tokens;
using GenAiRouter.Cli.Up;
using GenAiRouter.Cli.Usage;
using GenAiRouter.Cli.Validate;

// Before .NET sets up its signal handling: a backgrounded `up` must still stop on SIGINT.
Interrupts.Honour();

var root = new RootCommand("GenAI Smart Router: an OpenAI-Responses-compatible router for model groups.");
root.Subcommands.Add(UpCommand.Create());
root.Subcommands.Add(TokenCommands.Create());
root.Subcommands.Add(UsageCommand.Create());
root.Subcommands.Add(ValidateCommand.Create());

// `up` stops its services gracefully on Ctrl-C/SIGTERM; give it the time that takes before the process ends.
return await root.Parse(args).InvokeAsync(new InvocationConfiguration { ProcessTerminationTimeout = TimeSpan.FromSeconds(30) });
