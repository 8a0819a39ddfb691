namespace Berth.Distribution.Client;

/// <summary>One registry's TLS files: CA roots and client certificate/key pairs (PEM), and a key that changes when
/// any of them does.</summary>
public sealed record RegistryTlsFiles(IReadOnlyList<string> Roots, IReadOnlyList<(string Certificate, string Key)> ClientCertificates, string Version);
