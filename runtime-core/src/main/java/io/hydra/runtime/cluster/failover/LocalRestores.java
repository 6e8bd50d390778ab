package io.hydra.runtime.cluster.failover;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/** What the restorer needs of this node's containers and checkpoints. */
public interface LocalRestores {
    /**
     * When the copy of the container that is live on this node (created, running, paused or orphaned) was started
     * or restored; empty when there is none.
     */
    Optional<Instant> liveSince(String containerId);

    /** The versions of its checkpoints that are complete, newest first (empty when it has none). */
    List<Long> completeVersions(String containerId);

    /**
     * Restores {@code version} as the container itself: the same id and name, running on this node. Throws, with
     * the reason as its message, when it cannot; nothing of a failed attempt is left behind.
     */
    void restore(String containerId, long version);

    /** Takes its checkpoint policy over on this node. */
    void applyPolicy(String containerId, Duration every, int keep, Map<String, String> constraints);

    /**
     * Removes this node's copy, keeping its checkpoints (they are the owner's history): another node owns it now.
     */
    void removeLocalCopy(String containerId, String reason);
}
