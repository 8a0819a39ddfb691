using System.Text.Json.Serialization;

namespace Berth.Engine.Model;

/// <summary>The engine's documents in Docker's JSON shapes (PascalCase, nulls kept as Docker shows them).</summary>
[JsonSourceGenerationOptions(Converters = [typeof(DockerTimeConverter)])]
[JsonSerializable(typeof(Container))]
[JsonSerializable(typeof(ContainerConfig))]
[JsonSerializable(typeof(HostConfig))]
[JsonSerializable(typeof(NetworkingConfig))]
[JsonSerializable(typeof(EndpointSettings))]
public sealed partial class EngineJson : JsonSerializerContext;
