using Berth.Common;

namespace Berth.Api.Docker.Tests;

/// <summary>The one place an error kind becomes an HTTP status (moby's errdefs → httpstatus).</summary>
public sealed class StatusOfTests
{
    public static TheoryData<ErrorKind, int> Statuses => new()
    {
        { ErrorKind.InvalidArgument, 400 },
        { ErrorKind.Unauthorized, 401 },
        { ErrorKind.Forbidden, 403 },
        { ErrorKind.NotFound, 404 },
        { ErrorKind.AlreadyExists, 409 },
        { ErrorKind.Conflict, 409 },
        { ErrorKind.FailedPrecondition, 409 },
        { ErrorKind.NotModified, 304 },
        { ErrorKind.NotImplemented, 501 },
        { ErrorKind.Unavailable, 503 },
        { ErrorKind.Unknown, 500 },
        { ErrorKind.Canceled, 500 },
    };

    [Theory]
    [MemberData(nameof(Statuses))]
    public void Maps_each_kind(ErrorKind kind, int status) => Assert.Equal(status, ApiServer.StatusOf(kind));

    [Fact]
    public void Every_kind_has_a_row() =>
        Assert.Equal(Enum.GetValues<ErrorKind>().Order(), Statuses.Select(r => (ErrorKind)r[0]).Order());
}
