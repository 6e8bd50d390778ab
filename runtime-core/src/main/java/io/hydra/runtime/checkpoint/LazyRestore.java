package io.hydra.runtime.checkpoint;

import java.nio.file.Path;

import io.hydra.runtime.container.ContainerService;
import io.hydra.spi.checkpoint.LazyPages;

/**
 * A restore under way from a lazy dump (post-copy): the container runs, and {@link #pages} says when its memory is
 * here; {@link #close} once it ended. {@code outcome} is null for a fetch reopened after a daemon restart.
 */
public record LazyRestore(CheckpointService.Outcome outcome, LazyPages pages, Path dir) {
    public void close() {
        ContainerService.deleteTree(dir);
    }
}
