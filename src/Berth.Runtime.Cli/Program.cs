using Berth.Runtime.Init;
using Berth.Runtime.Shim;

// berth-runtime: Berth's container runtime helpers. `shim` is started by berthd, one per container; `init` is
// started by the shim inside the container's new namespaces and becomes the container's program.
if (args.Length == 0)
{
    Console.Error.WriteLine("usage: berth-runtime shim --id ID --bundle DIR --socket PATH [--log FILE] [--runtime berth|PATH] [--stdin]\n       berth-runtime shim --spare");
    return 2;
}
switch (args[0])
{
    case "shim":
        return ShimServer.Main(args[1..]);
    case "init" when args.Length == 1:
        return ContainerInit.Run();
    case "exec" when args.Length == 1:
        return ExecInit.Run();
    case "--version":
        Console.WriteLine("berth-runtime " + typeof(ShimServer).Assembly.GetName().Version);
        return 0;
    default:
        Console.Error.WriteLine($"berth-runtime: unknown command \"{args[0]}\"");
        return 2;
}
