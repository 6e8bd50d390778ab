package io.hydra.spi.checkpoint;

import java.nio.file.Path;
import java.util.Objects;

import io.hydra.spi.monitor.OciRuntimeRef;

/**
 * @param containerId the runtime's id of the container
 * @param runtime     the OCI runtime that runs it
 * @param imageDir    an empty directory for the image
 * @param workDir     a directory for logs and statistics of the dump
 */
public record CheckpointRequest(String containerId, OciRuntimeRef runtime, Path imageDir, Path workDir,
                                CheckpointOptions options) {
    public CheckpointRequest {
        Objects.requireNonNull(containerId, "containerId");
        Objects.requireNonNull(runtime, "runtime");
        Objects.requireNonNull(imageDir, "imageDir");
        Objects.requireNonNull(workDir, "workDir");
        Objects.requireNonNull(options, "options");
    }
}
