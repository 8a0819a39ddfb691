using System.Security.Cryptography;
using System.Text;

namespace Berth.Images.Tests.References;

/// <summary>The image spec's ChainID: ChainID(L0) = DiffID(L0); ChainID(L0..Ln) = sha256(ChainID(L0..Ln-1) + " " + DiffID(Ln)).</summary>
public sealed class ChainIdTests
{
    private static string Sha256(string s) => "sha256:" + Convert.ToHexStringLower(SHA256.HashData(Encoding.ASCII.GetBytes(s)));

    private static readonly string[] DiffIds =
    [
        "sha256:a3ed95caeb02ffe68cdd9fd84406680ae93d633cb16422d00e8a7c22955b46d4",
        "sha256:5f70bf18a086007016e948b04aed3b82103a36bea41755b6cddfaf10ace3c6ef",
        "sha256:4f4fb700ef54461cfa02571ae0db9a0dc1e0cdb5577484a6d75e68dc38e8acc1",
    ];

    [Fact]
    public void Chains_follow_the_image_spec()
    {
        var chain = ChainId.Of(DiffIds);
        var second = Sha256(DiffIds[0] + " " + DiffIds[1]);
        var third = Sha256(second + " " + DiffIds[2]);
        Assert.Equal([DiffIds[0], second, third], chain);
    }

    [Fact]
    public void A_known_vector()
    {
        // printf 'sha256:a3ed…46d4 sha256:5f70…c6ef' | sha256sum (coreutils), outside this code.
        Assert.Equal("sha256:71dec89dc33c1a1cd5f73cd1e0885ec74b73b03fb9d5a98fddb6486563565072", ChainId.Of(DiffIds)[1]);
    }

    [Fact]
    public void The_same_layer_at_another_depth_is_another_chain()
    {
        var once = ChainId.Of([DiffIds[0]]);
        var twice = ChainId.Of([DiffIds[0], DiffIds[0]]);
        Assert.Equal(once[0], twice[0]);
        Assert.NotEqual(twice[0], twice[1]);
    }

    [Fact]
    public void No_layers_no_chain() => Assert.Empty(ChainId.Of([]));
}
