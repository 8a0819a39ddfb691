using System.Text.Json.Serialization;
using Berth.Engine.Model;

namespace Berth.Api.Docker.Models;

/// <summary>The JSON of pause/unpause/rename/update/top/stats (apart from <see cref="ApiJson"/> so the two grow apart).</summary>
[JsonSourceGenerationOptions(Converters = [typeof(DockerTimeConverter)], PropertyNameCaseInsensitive = true)]
[JsonSerializable(typeof(StatsResponse))]
[JsonSerializable(typeof(TopResponse))]
[JsonSerializable(typeof(UpdateResponse))]
[JsonSerializable(typeof(ContainerUpdate))]
internal sealed partial class OperationsJson : JsonSerializerContext;
