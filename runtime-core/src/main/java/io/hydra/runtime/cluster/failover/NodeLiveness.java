package io.hydra.runtime.cluster.failover;

import java.time.Instant;
import java.util.Objects;

/**
 * What the controller last announced of a node, kept under {@code failover/nodes/<id>} so a node's loss and each of
 * its joins are announced once however often the controller changes hands.
 *
 * @param live  whether its last announcement was a join (true) or a loss (false)
 * @param since when the controller found it joined, or lost
 */
public record NodeLiveness(String node, boolean live, Instant since) {
    public static final String PREFIX = "failover/nodes/";

    public NodeLiveness {
        Objects.requireNonNull(node, "node");
        Objects.requireNonNull(since, "since");
    }

    public static NodeLiveness joined(String node, Instant at) {
        return new NodeLiveness(node, true, at);
    }

    public static NodeLiveness lost(String node, Instant at) {
        return new NodeLiveness(node, false, at);
    }
}
