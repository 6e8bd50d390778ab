package io.hydra.spi.scheduler;

import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;

/**
 * A container to place.
 *
 * @param containerId       the container
 * @param memoryBytes       memory it needs (its limit), 0 when it has none
 * @param cpuMillis         CPU it needs, in thousandths of a core, 0 when it has no limit
 * @param constraints       node labels it requires ({@code --constraint K=V}), every one
 * @param avoidNode         the node it must not go to (the lost one, or the one it leaves)
 * @param arch              the architecture its checkpoint was taken on, empty when any will do
 * @param criuVersion       the CRIU version its checkpoint was taken with: a node needs this one or newer; empty: any
 * @param imageDigest       the image it was created from, when it was
 * @param rootfs            its {@code --rootfs} or {@code --bundle} directory, when it brings its own root
 * @param nodesWithRootfs   the nodes where that directory exists (asked of them before placing); ignored without one
 */
public record PlacementRequest(String containerId, long memoryBytes, long cpuMillis, Map<String, String> constraints,
                               Optional<String> avoidNode, String arch, String criuVersion,
                               Optional<String> imageDigest, Optional<String> rootfs, Set<String> nodesWithRootfs) {
    public PlacementRequest {
        Objects.requireNonNull(containerId, "containerId");
        constraints = Map.copyOf(constraints);
        arch = arch == null ? "" : arch;
        criuVersion = criuVersion == null ? "" : criuVersion;
        nodesWithRootfs = Set.copyOf(nodesWithRootfs);
    }
}
