using Berth.Host;

try
{
    var options = DaemonOptions.Parse(args);
    return await Daemon.RunAsync(options).ConfigureAwait(false);
}
catch (ArgumentException e)
{
    Console.Error.WriteLine(e.Message);
    Console.Error.WriteLine("See 'berthd --help'.");
    return 125;
}
