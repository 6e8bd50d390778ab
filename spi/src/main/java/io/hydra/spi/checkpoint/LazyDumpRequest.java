package io.hydra.spi.checkpoint;

import java.nio.file.Path;
import java.util.Objects;

/**
 * A lazy dump (post-copy) of a running container: everything but its memory is written to the dump's image
 * directory, then its memory is served from a page server until the restorer has every page.
 *
 * @param dump         the container, runtime and directories, as for a checkpoint (its options' leaveRunning is
 *                     ignored: the container is frozen once the image is written and gone once its memory is)
 * @param containerDir the container's own directory, the one {@link CheckpointBackend#bundleAnnotations} was
 *                     asked about when it was created
 * @param listen       where the page server listens, with this node's certificates
 */
public record LazyDumpRequest(CheckpointRequest dump, Path containerDir, PageServer listen) {
    public LazyDumpRequest {
        Objects.requireNonNull(dump, "dump");
        Objects.requireNonNull(containerDir, "containerDir");
        Objects.requireNonNull(listen, "listen");
    }
}
