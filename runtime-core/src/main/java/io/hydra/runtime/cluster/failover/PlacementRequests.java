package io.hydra.runtime.cluster.failover;

import java.util.Optional;
import java.util.Set;

import io.hydra.runtime.cluster.OwnershipRecord;
import io.hydra.spi.scheduler.PlacementRequest;

/** What the scheduler is asked for a container that must move: its needs as its ownership record keeps them. */
public final class PlacementRequests {
    private PlacementRequests() {
    }

    /**
     * @param avoid           the node it must not go to (the one it was lost with), if any
     * @param nodesWithRootfs the live nodes that hold its {@code rootfs} directory (ignored without one)
     */
    public static PlacementRequest of(OwnershipRecord r, Optional<String> avoid, Set<String> nodesWithRootfs) {
        return new PlacementRequest(r.containerId(), r.memoryBytes(), r.cpuMillis(), r.constraints(), avoid,
                r.arch(), r.criuVersion(), r.imageDigest().isEmpty() ? Optional.empty() : Optional.of(r.imageDigest()),
                r.rootfs().isEmpty() ? Optional.empty() : Optional.of(r.rootfs()),
                r.rootfs().isEmpty() ? Set.of() : nodesWithRootfs);
    }
}
