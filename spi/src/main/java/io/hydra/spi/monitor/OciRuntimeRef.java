package io.hydra.spi.monitor;

import java.nio.file.Path;

/**
 * The OCI runtime a monitor drives: its binary and the state directory ({@code --root}) this daemon keeps it in.
 */
public record OciRuntimeRef(Path binary, Path stateRoot) {
}
