package io.hydra.spi.checkpoint;

import java.nio.file.Path;

/**
 * Takes a container's process tree into a local image directory and brings it back. Implemented by the CRIU plugin
 * (checkpoint and restore issue); the lifecycle daemon does not use it yet.
 */
public interface CheckpointBackend extends AutoCloseable {
    String name();

    /** What this host can do, probed, never assumed. */
    CheckpointCapabilities capabilities();

    /** Dumps the container into {@code imageDir}; returns how long its processes were frozen. */
    CheckpointResult checkpoint(String containerId, Path imageDir, CheckpointOptions options);

    @Override
    default void close() {
    }
}
