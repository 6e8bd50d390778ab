package io.hydra.spi.checkpoint;

/**
 * @param version            the checkpoint tool's version, e.g. {@code 4.1.1}
 * @param memoryDirtyTracking pre-dump with a parent image works (soft-dirty)
 * @param lazyPages          userfaultfd lazy pages work (post-copy)
 */
public record CheckpointCapabilities(String version, boolean memoryDirtyTracking, boolean lazyPages) {
}
