package io.hydra.runtime.api;

import java.util.Map;
import java.util.TreeMap;
import java.util.function.Supplier;

import io.grpc.stub.StreamObserver;
import io.hydra.api.v1.Empty;
import io.hydra.api.v1.InfoResponse;
import io.hydra.api.v1.SystemGrpc;
import io.hydra.api.v1.VersionResponse;
import io.hydra.runtime.state.ContainerRecord;
import io.hydra.runtime.state.ContainerStatus;
import io.hydra.runtime.state.StateStore;

public final class SystemApi extends SystemGrpc.SystemImplBase {
    public static final String VERSION = "0.1.0";
    public static final String API = "hydra.v1";

    private final Supplier<InfoResponse.Builder> staticInfo;
    private final StateStore store;
    private final Supplier<Map<String, String>> cluster;

    /** @param staticInfo what does not change while the daemon runs (paths, versions, plugins) */
    public SystemApi(Supplier<InfoResponse.Builder> staticInfo, StateStore store) {
        this(staticInfo, store, () -> Map.of("coordinator", "none"));
    }

    /** @param cluster the cluster section, asked on each call (fencing and the leader change) */
    public SystemApi(Supplier<InfoResponse.Builder> staticInfo, StateStore store,
                     Supplier<Map<String, String>> cluster) {
        this.staticInfo = staticInfo;
        this.store = store;
        this.cluster = cluster;
    }

    @Override
    public void info(Empty req, StreamObserver<InfoResponse> observer) {
        GrpcErrors.unary(observer, () -> {
            Map<String, Integer> byStatus = new TreeMap<>();
            for (ContainerRecord r : store.all()) {
                if (r.status() != ContainerStatus.creating) {
                    byStatus.merge(r.status().name(), 1, Integer::sum);
                }
            }
            return staticInfo.get().putAllContainersByStatus(byStatus).putAllCluster(cluster.get())
                    .setOutboxBacklog(store.unpublishedEvents()).build();
        });
    }

    @Override
    public void version(Empty req, StreamObserver<VersionResponse> observer) {
        GrpcErrors.unary(observer, () -> VersionResponse.newBuilder().setVersion(VERSION).setApi(API).build());
    }
}
