package io.hydra.runtime.cluster;

import java.io.IOException;

/**
 * Pulls the stored packs of one checkpoint version into this node's local pack cache, ahead of a restore here: what
 * a migration's pre-copy rounds ask of their target, so that the final restore fetches only the last round's delta.
 */
@FunctionalInterface
public interface Prefetcher {
    /** Bytes downloaded now and bytes the version needs that were cached already. */
    record Prefetched(long fetchedBytes, long cachedBytes) {
    }

    Prefetched prefetch(String containerId, long version) throws IOException;

    /** A node without checkpoints (or without a cache) has nothing to pull ahead. */
    Prefetcher NONE = (containerId, version) -> {
        throw new IOException("this node has no checkpoint repository to prefetch into");
    };
}
