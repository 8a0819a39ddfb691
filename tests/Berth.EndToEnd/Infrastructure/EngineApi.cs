using System.Net.Sockets;
using System.Text;

namespace Berth.EndToEnd.Infrastructure;

/// <summary>A bare HTTP client on the daemon's unix socket, for what no CLI sends: malformed bodies, unknown
/// routes, impossible API versions, and the ping headers.</summary>
public sealed class EngineApi : IDisposable
{
    private readonly HttpClient _http;

    public EngineApi(string socketPath)
    {
        var handler = new SocketsHttpHandler
        {
            ConnectCallback = async (_, ct) =>
            {
                var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
                try
                {
                    await socket.ConnectAsync(new UnixDomainSocketEndPoint(socketPath), ct);
                    return new NetworkStream(socket, ownsSocket: true);
                }
                catch
                {
                    socket.Dispose();
                    throw;
                }
            },
        };
        _http = new HttpClient(handler) { BaseAddress = new Uri("http://berthd"), Timeout = TimeSpan.FromSeconds(30) };
    }

    public Task<ApiResponse> GetAsync(string path) => SendAsync(HttpMethod.Get, path);

    public Task<ApiResponse> HeadAsync(string path) => SendAsync(HttpMethod.Head, path);

    public Task<ApiResponse> PostJsonAsync(string path, string json) => SendAsync(HttpMethod.Post, path, json);

    public async Task<ApiResponse> SendAsync(HttpMethod method, string path, string? json = null)
    {
        using var request = new HttpRequestMessage(method, path);
        if (json is not null)
        {
            request.Content = new StringContent(json, Encoding.UTF8, "application/json");
        }
        using var response = await _http.SendAsync(request);
        var body = await response.Content.ReadAsStringAsync();
        var headers = response.Headers.Concat(response.Content.Headers)
            .ToDictionary(h => h.Key, h => string.Join(", ", h.Value), StringComparer.OrdinalIgnoreCase);
        return new ApiResponse((int)response.StatusCode, headers, response.Content.Headers.ContentType?.MediaType ?? "", body);
    }

    /// <summary><c>HEAD /_ping</c> answered 200: the daemon serves.</summary>
    public bool Pings()
    {
        try
        {
            using var request = new HttpRequestMessage(HttpMethod.Head, "/_ping");
            using var response = _http.Send(request);
            return response.IsSuccessStatusCode;
        }
        catch (Exception e) when (e is HttpRequestException or SocketException or IOException or TaskCanceledException)
        {
            return false;
        }
    }

    public void Dispose() => _http.Dispose();
}
