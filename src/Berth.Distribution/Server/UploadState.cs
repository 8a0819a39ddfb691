namespace Berth.Distribution.Server;

/// <summary>An upload session as the client sees it: its id, its repository and how many bytes it holds.</summary>
public sealed record UploadState(string Id, string Repository, long Offset);
