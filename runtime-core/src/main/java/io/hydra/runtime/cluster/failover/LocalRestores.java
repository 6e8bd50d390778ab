package io.hydra.runtime.cluster.failover;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import io.hydra.spi.checkpoint.LazyTransfer;

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

    /**
     * A migrated container's memory still on its way from its source (post-copy): the copy runs, but may not be
     * reported running until all of it is here, and must go if it never is.
     */
    interface PendingMemory {
        LazyTransfer awaitEnd(Duration timeout);

        /** Stops fetching: the source's dump fails and its container runs there again. */
        void abort();

        /** Removes what the fetch kept on disk, once it ended. */
        void clear();
    }

    /**
     * Restores exactly {@code version} for a migration; when it is a post-copy image without memory, what says when
     * the memory is here.
     */
    default Optional<PendingMemory> restoreMigrated(String containerId, long version) {
        restore(containerId, version);
        return Optional.empty();
    }

    /** The memory fetch of a post-copy restore an earlier daemon started, when one is on record. */
    default Optional<PendingMemory> pendingMemory(String containerId) {
        return Optional.empty();
    }

    /** The containers whose post-copy fetch is on record here. */
    default List<String> pendingMemoryIds() {
        return List.of();
    }

    /** Takes its checkpoint policy over on this node. */
    void applyPolicy(String containerId, Duration every, int keep, Map<String, String> constraints);

    /**
     * Removes this node's copy, keeping its checkpoints (they are the owner's history): another node owns it now.
     */
    void removeLocalCopy(String containerId, String reason);
}
