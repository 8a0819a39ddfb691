namespace Berth.Engine;

/// <summary>Names for containers created without one, Docker-style <c>adjective_surname</c>.</summary>
internal static class NameGenerator
{
    private static readonly string[] Adjectives =
    [
        "agile", "bold", "brave", "bright", "calm", "clever", "crisp", "curious", "daring", "eager", "fair", "fond",
        "gentle", "glad", "happy", "hardy", "keen", "kind", "lively", "loyal", "lucid", "merry", "modest", "neat",
        "nimble", "noble", "patient", "plucky", "polite", "proud", "quiet", "quick", "rapid", "serene", "sharp",
        "sincere", "steady", "stoic", "sunny", "swift", "tender", "tidy", "upbeat", "vivid", "warm", "wise", "witty",
        "zealous",
    ];

    private static readonly string[] Surnames =
    [
        "babbage", "bardeen", "bell", "boole", "cerf", "church", "curie", "darwin", "dijkstra", "euclid", "euler",
        "faraday", "fermat", "fermi", "feynman", "franklin", "gauss", "goldberg", "hamilton", "hawking", "hopper",
        "hypatia", "kepler", "knuth", "lamport", "liskov", "lovelace", "maxwell", "meitner", "mendel", "newton",
        "noether", "pascal", "pasteur", "perlman", "planck", "ritchie", "shannon", "thompson", "torvalds", "turing",
        "wozniak", "yalow",
    ];

    public static string Next(Func<string, bool> taken)
    {
        for (var attempt = 0; ; attempt++)
        {
            var name = Adjectives[Random.Shared.Next(Adjectives.Length)] + "_" + Surnames[Random.Shared.Next(Surnames.Length)];
            if (attempt > 10)
            {
                name += Random.Shared.Next(10);
            }
            if (!taken(name))
            {
                return name;
            }
        }
    }
}
