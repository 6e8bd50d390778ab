package io.hydra.spi.scheduler;

import java.util.Optional;

/** Either a node, or the reason no node fits (each node's failed filter, for the user). */
public record Placement(Optional<String> nodeId, String reason) {
    public static Placement on(String nodeId) {
        return new Placement(Optional.of(nodeId), "");
    }

    public static Placement none(String reason) {
        return new Placement(Optional.empty(), reason);
    }
}
