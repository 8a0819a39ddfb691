using Berth.Common;
using Berth.Oci;

namespace Berth.Images.Tests.Config;

/// <summary><c>docker import -c</c> / <c>docker commit -c</c>: Dockerfile instructions applied to an image config.</summary>
public sealed class ConfigChangesTests
{
    /// <summary>The fields a change can set, in one line, unset ones left out.</summary>
    private static string Describe(ImageRuntimeConfig c)
    {
        var parts = new List<string>();
        void List(string name, IEnumerable<string>? v)
        {
            if (v is not null)
            {
                parts.Add($"{name}=[{string.Join('|', v)}]");
            }
        }
        void Value(string name, string? v)
        {
            if (v is not null)
            {
                parts.Add($"{name}={v}");
            }
        }
        List("Cmd", c.Cmd);
        List("Entrypoint", c.Entrypoint);
        List("Env", c.Env);
        List("Labels", c.Labels?.Select(l => l.Key + "=" + l.Value).Order(StringComparer.Ordinal));
        List("ExposedPorts", c.ExposedPorts?.Keys.Order(StringComparer.Ordinal));
        List("Volumes", c.Volumes?.Keys.Order(StringComparer.Ordinal));
        Value("User", c.User);
        Value("WorkingDir", c.WorkingDir);
        Value("StopSignal", c.StopSignal);
        List("OnBuild", c.OnBuild);
        if (c.Healthcheck is { } h)
        {
            parts.Add($"Healthcheck=[{string.Join('|', h.Test ?? [])}] {h.Interval} {h.Timeout} {h.StartPeriod} {h.StartInterval} {h.Retries}");
        }
        return string.Join("; ", parts);
    }

    public static TheoryData<string, string[], string> Changes => new()
    {
        // row, changes, the config after them
        { "CMD exec form", ["CMD [\"echo\",\"hi\"]"], "Cmd=[echo|hi]" },
        { "CMD shell form", ["CMD echo hi"], "Cmd=[/bin/sh|-c|echo hi]" },
        { "CMD malformed JSON is shell form", ["CMD [\"a\""], "Cmd=[/bin/sh|-c|[\"a\"]" },
        { "CMD JSON of numbers is shell form", ["CMD [1,2]"], "Cmd=[/bin/sh|-c|[1,2]]" },
        { "lower-case instruction", ["cmd echo"], "Cmd=[/bin/sh|-c|echo]" },
        { "ENTRYPOINT exec form", ["ENTRYPOINT [\"/bin/app\",\"-v\"]"], "Entrypoint=[/bin/app|-v]" },
        { "ENTRYPOINT shell form", ["ENTRYPOINT exec app"], "Entrypoint=[/bin/sh|-c|exec app]" },
        { "ENV pairs", ["ENV A=1 B=\"two words\" C='x y'"], "Env=[A=1|B=two words|C=x y]" },
        { "ENV legacy form", ["ENV A two words"], "Env=[A=two words]" },
        { "ENV replaces a variable", ["ENV A=1 B=2", "ENV A=3"], "Env=[B=2|A=3]" },
        { "ENV empty value", ["ENV A="], "Env=[A=]" },
        { "LABEL pairs", ["LABEL a=b version=\"1.0 beta\""], "Labels=[a=b|version=1.0 beta]" },
        { "LABEL quoted key", ["LABEL \"com.example.x y\"=\"z\""], "Labels=[com.example.x y=z]" },
        { "LABEL legacy form", ["LABEL maintainer someone"], "Labels=[maintainer=someone]" },
        { "EXPOSE with and without protocol", ["EXPOSE 80 443/udp 8080/tcp"], "ExposedPorts=[443/udp|80/tcp|8080/tcp]" },
        { "WORKDIR absolute", ["WORKDIR /app"], "WorkingDir=/app" },
        { "WORKDIR relative to the last", ["WORKDIR /app", "WORKDIR sub"], "WorkingDir=/app/sub" },
        { "WORKDIR relative to nothing", ["WORKDIR sub"], "WorkingDir=/sub" },
        { "WORKDIR relative with dots", ["WORKDIR /a/b", "WORKDIR ../c"], "WorkingDir=/a/c" },
        { "VOLUME JSON form", ["VOLUME [\"/data\",\"/logs\"]"], "Volumes=[/data|/logs]" },
        { "VOLUME words", ["VOLUME /data /logs"], "Volumes=[/data|/logs]" },
        { "USER", ["USER 1000:1000"], "User=1000:1000" },
        { "STOPSIGNAL", ["STOPSIGNAL SIGKILL"], "StopSignal=SIGKILL" },
        { "ONBUILD", ["ONBUILD RUN make"], "OnBuild=[RUN make]" },
        { "HEALTHCHECK shell form", ["HEALTHCHECK --interval=1s CMD true"], "Healthcheck=[CMD-SHELL|true] 1000000000 0 0 0 0" },
        { "HEALTHCHECK exec form and every flag", ["HEALTHCHECK --interval=1m30s --timeout=500ms --start-period=2s --start-interval=1s --retries=4 CMD [\"wget\",\"-q\",\"x\"]"],
            "Healthcheck=[CMD|wget|-q|x] 90000000000 500000000 2000000000 1000000000 4" },
        { "HEALTHCHECK NONE", ["healthcheck none"], "Healthcheck=[NONE] 0 0 0 0 0" },
        { "blank changes", ["", "   "], "" },
        { "several instructions", ["ENV PATH=/bin", "CMD [\"sh\"]", "WORKDIR /w"], "Cmd=[sh]; Env=[PATH=/bin]; WorkingDir=/w" },
    };

    [Theory]
    [MemberData(nameof(Changes))]
    public void Changes_set_the_config_as_Dockerfile_instructions(string row, string[] changes, string expected)
    {
        var config = new ImageRuntimeConfig();
        ConfigChanges.Apply(config, changes);
        var actual = Describe(config);
        Assert.True(expected == actual, $"{row}: {actual}");
    }

    [Fact]
    public void Changes_keep_what_they_do_not_touch()
    {
        var config = new ImageRuntimeConfig { Env = ["PATH=/usr/bin", "KEEP=1"], Cmd = ["sh"], Labels = new() { ["a"] = "1" } };
        ConfigChanges.Apply(config, ["ENV PATH=/bin", "LABEL b=2"]);
        Assert.Equal("Cmd=[sh]; Env=[KEEP=1|PATH=/bin]; Labels=[a=1|b=2]", Describe(config));
    }

    public static TheoryData<string, string, string> Refusals => new()
    {
        // row, change, dockerd's message
        { "unknown instruction", "FOO bar", "FOO is not a valid change command" },
        { "build-only instruction", "RUN make", "RUN is not a valid change command" },
        { "lower-case unknown instruction", "run make", "run is not a valid change command" },
        { "ENV without arguments", "ENV", "ENV requires at least one argument" },
        { "ENV with a blank name", "ENV =x", "ENV names can not be blank" },
        { "LABEL without arguments", "LABEL", "LABEL requires at least one argument" },
        { "HEALTHCHECK of an unknown type", "HEALTHCHECK RUN true", "Unknown type \"RUN\" in HEALTHCHECK (try CMD)" },
        { "HEALTHCHECK NONE with arguments", "HEALTHCHECK NONE x", "HEALTHCHECK NONE takes no arguments" },
        { "HEALTHCHECK CMD without a command", "HEALTHCHECK CMD", "Missing command after HEALTHCHECK CMD" },
        { "HEALTHCHECK interval under 1ms", "HEALTHCHECK --interval=1us CMD true", "Interval \"interval\" cannot be less than 1ms" },
        { "HEALTHCHECK negative retries", "HEALTHCHECK --retries=-1 CMD true", "--retries cannot be negative (-1)" },
    };

    [Theory]
    [MemberData(nameof(Refusals))]
    public void Bad_changes_are_invalid_arguments(string row, string change, string message)
    {
        var e = Assert.Throws<BerthException>(() => ConfigChanges.Apply(new ImageRuntimeConfig(), [change]));
        Assert.Equal(ErrorKind.InvalidArgument, e.Kind);
        Assert.True(message == e.Message, $"{row}: {e.Message}");
    }
}
