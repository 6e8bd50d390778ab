package io.hydra.spi.scheduler;

import java.util.Map;
import java.util.Optional;

/**
 * @param containerId  the container to place
 * @param memoryBytes  memory it needs
 * @param cpuMillis    CPU it needs, in thousandths of a core
 * @param constraints  node labels it requires
 * @param currentNode  where it runs now, if anywhere
 */
public record PlacementRequest(String containerId, long memoryBytes, long cpuMillis, Map<String, String> constraints,
                               Optional<String> currentNode) {
    public PlacementRequest {
        constraints = Map.copyOf(constraints);
    }
}
