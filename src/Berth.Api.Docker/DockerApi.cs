using Berth.Api.Docker.Routes;

namespace Berth.Api.Docker;

/// <summary>The Engine API's routes, wired to the engine's services.</summary>
public static class DockerApi
{
    public static Router Build(EngineServices services)
    {
        var router = new Router();
        SystemRoutes.Map(router, services);
        ContainerRoutes.Map(router, services);
        ExecRoutes.Map(router, services);
        ContainerOperationRoutes.Map(router, services);
        ArchiveRoutes.Map(router, services);
        DistributionRoutes.Map(router, services);
        ImageRoutes.Map(router, services);
        NetworkRoutes.Map(router, services);
        VolumeRoutes.Map(router, services);
        DiskUsageRoutes.Map(router, services);
        BuildRoutes.Map(router, services);
        return router;
    }
}
