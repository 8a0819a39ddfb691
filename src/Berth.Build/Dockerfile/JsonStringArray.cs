using System.Text;
using System.Text.Json;

namespace Berth.Build.Dockerfile;

/// <summary>Docker's exec-form test: arguments that parse as one JSON array are exec form; an array holding
/// anything but strings is an error; anything else is shell form.</summary>
internal static class JsonStringArray
{
    public const string NotStrings = "when using JSON array syntax, arrays must be comprised of strings only";

    /// <summary>The strings of <paramref name="text"/> when it is a JSON array, null when it is not JSON.</summary>
    public static List<string>? TryParse(string text)
    {
        text = GoText.TrimLeftSpace(text);
        if (!text.StartsWith('['))
        {
            return null;
        }
        JsonDocument doc;
        try
        {
            // JsonDocument reads without reflection, so this stays NativeAOT-safe.
            doc = JsonDocument.Parse(Encoding.UTF8.GetBytes(text), new JsonDocumentOptions { MaxDepth = 10_000 });
        }
        catch (JsonException)
        {
            return null;
        }
        using (doc)
        {
            var result = new List<string>();
            foreach (var item in doc.RootElement.EnumerateArray())
            {
                if (item.ValueKind != JsonValueKind.String)
                {
                    throw new DockerfileSyntaxError(NotStrings);
                }
                result.Add(item.GetString()!);
            }
            return result;
        }
    }
}
