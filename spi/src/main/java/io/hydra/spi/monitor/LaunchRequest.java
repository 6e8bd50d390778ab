package io.hydra.spi.monitor;

import java.nio.file.Path;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * Everything a monitor needs to create one container through the OCI runtime.
 *
 * @param containerId  the runtime's id for the container; also the name of its exit file in {@code exitDir}
 * @param name         the user's name for it (for the monitor's logs)
 * @param bundle       the OCI bundle directory holding config.json
 * @param runtime      the OCI runtime to drive
 * @param containerDir a private directory for this container's monitor files (pid files, persist dir)
 * @param exitDir      the directory, shared by all containers, where the monitor writes {@code <containerId>}
 *                     holding the exit code when the container exits
 * @param logFile      where the container's stdout and stderr go
 * @param socketDir    where the monitor creates the attach socket
 * @param stdin        keep the container's stdin open for attach
 * @param restoreImage when present, restore the container from this checkpoint image instead of creating it
 * @param restoreOptions options for the runtime's restore command (from the checkpoint backend)
 */
public record LaunchRequest(String containerId, String name, Path bundle, OciRuntimeRef runtime, Path containerDir,
                            Path exitDir, Path logFile, Path socketDir, boolean stdin, Optional<Path> restoreImage,
                            List<String> restoreOptions) {
    public LaunchRequest {
        Objects.requireNonNull(containerId, "containerId");
        Objects.requireNonNull(bundle, "bundle");
        Objects.requireNonNull(runtime, "runtime");
        Objects.requireNonNull(restoreImage, "restoreImage");
        restoreOptions = List.copyOf(restoreOptions);
    }
}
