namespace Berth.Cli.BuildContexts;

/// <summary>The context could not be prepared; the message is the docker CLI's words after <c>unable to prepare context: </c>.</summary>
internal sealed class ContextException(string message) : Exception(message);
