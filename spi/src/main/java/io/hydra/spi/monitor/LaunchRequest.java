package io.hydra.spi.monitor;

import java.nio.file.Path;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * Everything a monitor needs to create one container through the OCI runtime.
 *
 * @param containerId  the runtime's id for the container
 * @param name         the user's name for it (for the monitor's logs)
 * @param bundle       the OCI bundle directory holding config.json
 * @param runtime      the OCI runtime to drive
 * @param containerDir a private directory for this container's monitor files (pid files, exit status)
 * @param logFile      where the container's stdout and stderr go (in the monitor's own format)
 * @param logMaxBytes  the size the log may reach before the monitor truncates it; 0 or less for no limit
 * @param socketDir    where the monitor creates the attach socket
 * @param stdin        keep the container's stdin open for attach
 * @param restoreImage when present, restore the container from this checkpoint image instead of creating it
 * @param restoreOptions options for the runtime's restore command (from the checkpoint backend)
 * @param terminal     the process has a terminal (config.json's process.terminal): the monitor holds its pty
 *                     master, logs and attaches through it
 */
public record LaunchRequest(String containerId, String name, Path bundle, OciRuntimeRef runtime, Path containerDir,
                            Path logFile, long logMaxBytes, Path socketDir, boolean stdin, Optional<Path> restoreImage,
                            List<String> restoreOptions, boolean terminal) {
    public LaunchRequest {
        Objects.requireNonNull(containerId, "containerId");
        Objects.requireNonNull(bundle, "bundle");
        Objects.requireNonNull(runtime, "runtime");
        Objects.requireNonNull(containerDir, "containerDir");
        Objects.requireNonNull(restoreImage, "restoreImage");
        restoreOptions = List.copyOf(restoreOptions);
    }

    /** A request for a container without a terminal. */
    public LaunchRequest(String containerId, String name, Path bundle, OciRuntimeRef runtime, Path containerDir,
                         Path logFile, long logMaxBytes, Path socketDir, boolean stdin, Optional<Path> restoreImage,
                         List<String> restoreOptions) {
        this(containerId, name, bundle, runtime, containerDir, logFile, logMaxBytes, socketDir, stdin, restoreImage,
                restoreOptions, false);
    }
}
