using System.Text.Json;
using Berth.Cli.Templates;

namespace Berth.Cli.Tests;

public sealed class TemplateTests
{
    private const string Inspect = """
        {"Id":"abc","Name":"/web","State":{"Status":"running","Running":true,"Pid":42,"ExitCode":0},
         "Config":{"Env":["A=1","B=2"],"Cmd":["sh","-c","x"],"Entrypoint":null,"Labels":{"com.example.v":"1","z":"<&>"},"Image":"busybox"},
         "HostConfig":{"Memory":67108864,"NanoCpus":500000000},"Mounts":[],"Names":["a","b"]}
        """;

    private static string Run(string template)
    {
        using var doc = JsonDocument.Parse(Inspect);
        return GoTemplate.Parse(template).Execute(doc.RootElement);
    }

    [Theory]
    [InlineData("{{.Name}}", "/web")]
    [InlineData("{{.State.Status}} {{.State.Pid}}", "running 42")]
    [InlineData("{{json .Config.Cmd}}", "[\"sh\",\"-c\",\"x\"]")]
    [InlineData("{{json .Config.Labels}}", "{\"com.example.v\":\"1\",\"z\":\"<&>\"}")]
    [InlineData("{{index .Config.Labels \"com.example.v\"}}", "1")]
    [InlineData("{{index .Config.Labels \"missing\"}}", "")]
    [InlineData("{{join .Config.Env \",\"}}", "A=1,B=2")]
    [InlineData("{{printf \"%s-%d\" .Name .State.Pid}}", "/web-42")]
    [InlineData("{{printf \"%5s|%-4d|%q\" \"ab\" 7 \"x\"}}", "   ab|7   |\"x\"")]
    [InlineData("{{lower \"ABC\"}} {{upper \"abc\"}} {{title \"hello world\"}}", "abc ABC Hello World")]
    [InlineData("{{if .State.Running}}up{{else}}down{{end}}", "up")]
    [InlineData("{{if eq .State.Status \"exited\"}}x{{else if eq .State.Status \"running\"}}r{{end}}", "r")]
    [InlineData("{{range .Config.Env}}[{{.}}]{{end}}", "[A=1][B=2]")]
    [InlineData("{{range $i, $e := .Config.Cmd}}{{$i}}={{$e}} {{end}}", "0=sh 1=-c 2=x ")]
    [InlineData("{{range .Mounts}}m{{else}}none{{end}}", "none")]
    [InlineData("{{range $k, $v := .Config.Labels}}{{$k}}:{{$v}};{{end}}", "com.example.v:1;z:<&>;")]
    [InlineData("{{with .Config}}{{.Image}}{{end}}", "busybox")]
    [InlineData("{{.Config.Env}}", "[A=1 B=2]")]
    [InlineData("{{.Config.Entrypoint}}", "[]")]
    [InlineData("{{.Config.Labels}}", "map[com.example.v:1 z:<&>]")]
    [InlineData("{{.State}}", "{running true 42 0}")]
    [InlineData("{{.HostConfig.Memory}}", "67108864")]
    [InlineData("{{len .Names}} {{len .Name}}", "2 4")]
    [InlineData("{{.Name | printf \"%s!\"}}", "/web!")]
    [InlineData("{{- \"a\" -}}  \n  {{- \"b\" -}}", "ab")]
    [InlineData("x {{/* comment */}} y", "x  y")]
    [InlineData("{{$n := .Name}}{{$n}}", "/web")]
    [InlineData("{{if and .State.Running (not .Mounts)}}ok{{end}}", "ok")]
    [InlineData("{{.Config.Labels.z}}", "<&>")]
    [InlineData("{{.Config.Labels.nokey}}", "<no value>")]
    [InlineData("{{pad .Name 1 2}}|", " /web  |")]
    [InlineData("{{truncate .Name 2}}", "/w")]
    [InlineData("{{split \"a:b\" \":\"}}", "[a b]")]
    [InlineData("{{range .Config.Env}}{{if eq . \"B=2\"}}{{break}}{{end}}{{.}}{{end}}", "A=1")]
    public void ExecutesLikeGo(string template, string expected) => Assert.Equal(expected, Run(template));

    [Theory]
    [InlineData("{{.Foo}}", "template: :1:2: executing \"\" at <.Foo>: map has no entry for key \"Foo\"")]
    [InlineData("{{.State.Nope}}", "template: :1:2: executing \"\" at <.State.Nope>: map has no entry for key \"Nope\"")]
    public void ReportsMissingFieldsLikeDockerInspect(string template, string message)
    {
        var e = Assert.Throws<TemplateException>(() => Run(template));
        Assert.Equal(message, e.Message);
    }

    [Theory]
    [InlineData("{{.Name", "template: :1: unclosed action")]
    [InlineData("{{nosuch .}}", "template: :1: function \"nosuch\" not defined")]
    [InlineData("{{if .X}}", "template: :1: unexpected EOF")]
    [InlineData("{{end}}", "template: :1: unexpected {{end}}")]
    public void ReportsParseErrors(string template, string message)
    {
        var e = Assert.Throws<TemplateException>(() => GoTemplate.Parse(template));
        Assert.Equal(message, e.Message);
    }
}
