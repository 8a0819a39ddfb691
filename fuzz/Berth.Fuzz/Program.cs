using Berth.Fuzz;
using SharpFuzz;

// Berth.Fuzz TARGET             — under afl-fuzz: reads each input AFL hands over.
// Berth.Fuzz TARGET FILE...     — replays files (a crash or a hang afl-fuzz saved) and prints what each did.
if (args.Length == 0 || !FuzzTargets.Names.Contains(args[0]))
{
    Console.Error.WriteLine($"usage: Berth.Fuzz {string.Join('|', FuzzTargets.Names)} [FILE...]");
    return 2;
}
var target = args[0];
if (args.Length > 1)
{
    foreach (var file in args.Skip(1))
    {
        Console.WriteLine(file);
        FuzzTargets.Run(target, File.ReadAllBytes(file));
    }
    return 0;
}
Fuzzer.Run(stream =>
{
    using var buffer = new MemoryStream();
    stream.CopyTo(buffer);
    FuzzTargets.Run(target, buffer.ToArray());
});
return 0;
