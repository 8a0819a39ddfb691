using Berth.Linux;

namespace Berth.Runtime;

/// <summary>How a rootfs is idmapped: the user namespace whose maps shift its owners (an fd the caller keeps open),
/// and the host ids of that namespace's root.</summary>
public sealed record RootfsIdMap(SafeFd UserNamespace, uint RootUid, uint RootGid);
