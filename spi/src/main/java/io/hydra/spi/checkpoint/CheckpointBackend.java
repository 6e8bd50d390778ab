package io.hydra.spi.checkpoint;

import java.util.List;

/**
 * Takes a running container's processes into a local image directory. Restoring goes through a monitor (so the
 * restored container is supervised like any other); the backend says which runtime options that restore needs.
 */
public interface CheckpointBackend extends AutoCloseable {
    String name();

    /** What this host can do, probed when the backend was created, never assumed. */
    CheckpointCapabilities capabilities();

    /** Dumps the container into the request's image directory. On failure the container keeps running. */
    CheckpointResult checkpoint(CheckpointRequest request) throws CheckpointException;

    /** Options for the runtime's restore command matching an image taken with {@code options}. */
    List<String> restoreOptions(CheckpointOptions options);

    @Override
    default void close() {
    }
}
