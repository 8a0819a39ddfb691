using Berth.Build.Dockerfile;

namespace Berth.Build.Tests;

/// <summary>Real-world Dockerfiles in the style of official images (Corpus/), each parsed and probed.</summary>
public sealed class CorpusTests
{
    private static DockerfileAst Load(string name) =>
        DockerfileParser.Parse(File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "Corpus", name + ".Dockerfile")));

    private static string Keywords(Stage stage) => string.Join(' ', stage.Commands.Select(c => c.Keyword));

    public static TheoryData<string, int, int, string> Files => new()
    {
        // file, meta ARGs, stages, keywords of the last stage
        { "nginx", 0, 1, "LABEL ENV ENV ENV RUN COPY COPY COPY ENTRYPOINT EXPOSE STOPSIGNAL CMD" },
        { "redis", 0, 1, "RUN RUN ENV ENV ENV RUN RUN VOLUME WORKDIR COPY ENTRYPOINT EXPOSE CMD" },
        { "postgres", 0, 1, "RUN ENV ENV ENV ENV ENV RUN VOLUME COPY RUN ENTRYPOINT STOPSIGNAL EXPOSE CMD" },
        { "golang-multistage", 2, 3, "RUN COPY USER EXPOSE ENTRYPOINT" },
        { "node", 0, 3, "WORKDIR ENV RUN COPY COPY USER EXPOSE HEALTHCHECK CMD" },
        { "python-heredoc", 0, 1, "ENV RUN WORKDIR COPY RUN COPY RUN COPY CMD" },
        { "distroless", 0, 2, "COPY USER ENTRYPOINT" },
        { "windows", 0, 1, "SHELL ENV ENV RUN WORKDIR COPY CMD" },
        { "onbuild", 0, 1, "RUN RUN WORKDIR ONBUILD ONBUILD ONBUILD ONBUILD" },
        { "legacy", 0, 1, "MAINTAINER ENV RUN ENV ENV ENV ADD ADD VOLUME EXPOSE CMD" },
        { "rust-cargo-chef", 0, 4, "WORKDIR RUN COPY ENTRYPOINT" },
        { "java-maven", 0, 2, "ARG RUN USER COPY COPY COPY EXPOSE HEALTHCHECK ENTRYPOINT" },
        { "php-fpm", 0, 1, "LABEL RUN COPY COPY ARG ENV USER HEALTHCHECK EXPOSE CMD" },
        { "scratch-static", 0, 2, "COPY COPY ENTRYPOINT" },
        { "healthcheck-shell", 0, 1, "COPY HEALTHCHECK STOPSIGNAL" },
        { "dotnet", 0, 2, "EXPOSE WORKDIR COPY USER ENTRYPOINT" },
        { "copy-exclude-parents", 0, 1, "COPY ADD ADD RUN" },
    };

    [Theory]
    [MemberData(nameof(Files))]
    public void Parses(string file, int metaArgs, int stages, string lastStage)
    {
        var ast = Load(file);
        Assert.Equal(metaArgs, ast.MetaArgs.Count);
        Assert.Equal(stages, ast.Stages.Count);
        Assert.Equal(lastStage, Keywords(ast.Stages[^1]));
        Assert.All(ast.Stages.SelectMany(s => s.Commands.Prepend(s.From)), i => Assert.True(i.Line > 0 && i.Original.Length > 0));
    }

    [Fact]
    public void Nginx()
    {
        var ast = Load("nginx");
        var cmds = ast.Stages[0].Commands;
        Assert.Equal([new KeyValue("NGINX_VERSION", "1.25.3")], Assert.IsType<EnvInstruction>(cmds[1]).Vars);
        var run = Assert.IsType<RunInstruction>(cmds[4]);
        Assert.Equal(9, run.Line);
        // The comment lines inside the continuation are gone.
        Assert.DoesNotContain("#", run.Command.Args[0], StringComparison.Ordinal);
        Assert.EndsWith("ln -sf /dev/stderr /var/log/nginx/error.log", run.Command.Args[0], StringComparison.Ordinal);
        Assert.Equal(["nginx", "-g", "daemon off;"], Assert.IsType<CmdInstruction>(cmds[^1]).Command.Args);
        Assert.Equal("\"NGINX Docker Maintainers <docker-maint@nginx.com>\"", Assert.IsType<LabelInstruction>(cmds[0]).Labels[0].Value);
    }

    [Fact]
    public void RedisTabsAndEscapeOnlyLines()
    {
        var run = Assert.IsType<RunInstruction>(Load("redis").Stages[0].Commands[5]);
        Assert.StartsWith("set -eux; \t\tapk add --no-cache --virtual .build-deps \t\tcoreutils", run.Command.Args[0], StringComparison.Ordinal);
        Assert.Equal(["/data"], Assert.IsType<VolumeInstruction>(Load("redis").Stages[0].Commands[7]).Paths);
    }

    [Fact]
    public void GolangMultiStage()
    {
        var ast = Load("golang-multistage");
        Assert.Equal("docker/dockerfile:1", ast.Syntax);
        Assert.Equal([new ArgDeclaration("GO_VERSION", "1.22")], ast.MetaArgs[0].Args);
        Assert.Equal(["build", "test", "final"], ast.Stages.Select(s => s.Name));
        Assert.Equal("$BUILDPLATFORM", ast.Stages[0].From.Platform);
        Assert.Equal("golang:${GO_VERSION}-alpine${ALPINE_VERSION}", ast.Stages[0].From.BaseName);
        Assert.Equal("build", ast.Stages[1].From.BaseName);
        var run = ast.Stages[0].Commands.OfType<RunInstruction>().Last();
        Assert.Equal("type=cache,target=/go/pkg/mod\ntype=cache,target=/root/.cache/go-build", run.Flags["mount"]);
        Assert.StartsWith("GOOS=$TARGETOS", run.Command.Args[0], StringComparison.Ordinal);
        Assert.Equal(["TARGETOS", "TARGETARCH"], ast.Stages[0].Commands.OfType<ArgInstruction>().Single().Args.Select(a => a.Name));
    }

    [Fact]
    public void Node()
    {
        var runner = Load("node").Stages[2];
        var env = Assert.IsType<EnvInstruction>(runner.Commands[1]);
        Assert.Equal(["NODE_ENV", "NEXT_TELEMETRY_DISABLED", "PORT"], env.Vars.Select(v => v.Key));
        var health = Assert.IsType<HealthcheckInstruction>(runner.Commands[7]);
        Assert.Equal(["CMD-SHELL", "wget -qO- http://localhost:3000/api/health || exit 1"], health.Test);
        Assert.Equal(30_000_000_000, health.Interval);
        Assert.Equal(3, health.Retries);
        Assert.Equal("nextjs:nodejs", Assert.IsType<CopyInstruction>(runner.Commands[4]).Chown);
    }

    [Fact]
    public void PythonHeredocs()
    {
        var cmds = Load("python-heredoc").Stages[0].Commands;
        var setup = Assert.IsType<RunInstruction>(cmds[1]);
        Assert.Equal(["<<EOF"], setup.Command.Args);
        Assert.StartsWith("set -e\napt-get update\n", setup.Heredocs[0].Content, StringComparison.Ordinal);
        var settings = Assert.IsType<CopyInstruction>(cmds[5]);
        Assert.Equal(new Heredoc("EOF", "DEBUG = False\nSECRET = \"$NOT_EXPANDED\"\n", false), Assert.Single(settings.Heredocs));
        Assert.Equal("/app/settings.py", settings.Dest);
        var python = Assert.IsType<RunInstruction>(cmds[6]);
        Assert.Equal(["python3 <<PY"], python.Command.Args);
        Assert.Equal("PY", python.Heredocs[0].Name);
    }

    [Fact]
    public void Distroless()
    {
        var ast = Load("distroless");
        Assert.Equal("build", ast.Stages[0].Name);
        Assert.Null(ast.Stages[1].Name);
        Assert.Equal("gcr.io/distroless/static-debian12:nonroot", ast.Stages[1].From.BaseName);
    }

    [Fact]
    public void WindowsBacktick()
    {
        var ast = Load("windows");
        Assert.Equal('`', ast.EscapeToken);
        var cmds = ast.Stages[0].Commands;
        Assert.Equal("powershell", Assert.IsType<ShellInstruction>(cmds[0]).Shell[0]);
        var run = Assert.IsType<RunInstruction>(cmds[3]);
        Assert.Contains("-DestinationPath C:\\git\\.; \tRemove-Item", run.Command.Args[0], StringComparison.Ordinal);
        Assert.Equal("C:\\app", Assert.IsType<WorkdirInstruction>(cmds[4]).Path);
        Assert.Equal(["app\\"], Assert.IsType<CopyInstruction>(cmds[5]).Sources);
        Assert.Equal(["C:\\app\\app.exe"], Assert.IsType<CmdInstruction>(cmds[6]).Command.Args);
    }

    [Fact]
    public void Onbuild()
    {
        var triggers = Load("onbuild").Stages[0].Commands.OfType<OnbuildInstruction>().ToList();
        Assert.Equal(["COPY Gemfile /usr/src/app/", "COPY Gemfile.lock /usr/src/app/", "RUN bundle install", "COPY . /usr/src/app"], triggers.Select(t => t.Expression));
        Assert.IsType<RunInstruction>(triggers[2].Inner);
    }

    [Fact]
    public void Legacy()
    {
        var cmds = Load("legacy").Stages[0].Commands;
        Assert.Equal("Docker Education Team <education@docker.com>", Assert.IsType<MaintainerInstruction>(cmds[0]).Maintainer);
        Assert.Equal([new KeyValue("DEBIAN_FRONTEND", "noninteractive")], Assert.IsType<EnvInstruction>(cmds[1]).Vars);
        Assert.Equal("RUN apt-get update && apt-get install -y         apache2         libapache2-mod-php5", cmds[2].Original);
        Assert.Equal(["/var/www/html", "/var/log/apache2"], Assert.IsType<VolumeInstruction>(cmds[8]).Paths);
        Assert.Equal(["443", "80"], Assert.IsType<ExposeInstruction>(cmds[9]).Ports);
        var cmd = Assert.IsType<CmdInstruction>(cmds[10]);
        Assert.True(cmd.Command.PrependShell);
    }

    [Fact]
    public void JavaAndPhp()
    {
        var java = Load("java-maven").Stages[1].Commands;
        Assert.Equal("${EXTRACTED}/dependencies/", Assert.IsType<CopyInstruction>(java[3]).Sources[0]);
        var health = Assert.IsType<HealthcheckInstruction>(java[7]);
        Assert.Equal(90_000_000_000, health.Interval);
        Assert.Equal("CMD", health.Test[0]);
        var php = Load("php-fpm").Stages[0].Commands;
        Assert.Equal(3, Assert.IsType<LabelInstruction>(php[0]).Labels.Count);
        Assert.Equal(["NONE"], Assert.IsType<HealthcheckInstruction>(php[7]).Test);
        Assert.Equal("composer:2", Assert.IsType<CopyInstruction>(php[2]).From);
    }

    [Fact]
    public void FlagsOfNewerSyntax()
    {
        var ast = Load("copy-exclude-parents");
        Assert.Equal("docker/dockerfile:1.7-labs", ast.Syntax);
        var cmds = ast.Stages[0].Commands;
        var copy = Assert.IsType<CopyInstruction>(cmds[0]);
        Assert.True(copy.Parents);
        Assert.Equal(["**/*.md"], copy.Exclude);
        Assert.True(Assert.IsType<CopyInstruction>(cmds[1]).KeepGitDir);
        Assert.StartsWith("sha256:24454f83", Assert.IsType<CopyInstruction>(cmds[2]).Checksum, StringComparison.Ordinal);
        var run = Assert.IsType<RunInstruction>(cmds[3]);
        Assert.Equal("none", run.Flags["network"]);
        Assert.Equal("sandbox", run.Flags["security"]);
        Assert.True(Assert.IsType<CopyInstruction>(Load("dotnet").Stages[1].Commands[2]).Link);
        Assert.Equal("0755", Assert.IsType<CopyInstruction>(Load("scratch-static").Stages[1].Commands[1]).Chmod);
    }
}
