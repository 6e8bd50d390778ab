package io.hydra.spi.checkpoint;

/**
 * @param tool               the checkpoint tool, e.g. {@code criu}
 * @param version            the checkpoint tool's version, e.g. {@code 4.1.1}
 * @param check              what the tool's self-check said
 * @param memoryDirtyTracking pre-dump with a parent image works (soft-dirty)
 * @param lazyPages          userfaultfd lazy pages work (post-copy)
 */
public record CheckpointCapabilities(String tool, String version, String check, boolean memoryDirtyTracking,
                                     boolean lazyPages) {
}
