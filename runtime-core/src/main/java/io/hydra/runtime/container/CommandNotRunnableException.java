package io.hydra.runtime.container;

import io.hydra.runtime.HydraException;

/**
 * A container's command is missing from its rootfs or cannot be executed, found before the runtime is asked. It
 * carries the shell's exit code for the case (127 not found, 126 cannot be executed), which the API passes to the
 * client so that {@code hydra run} and {@code create} exit as a shell would.
 */
public final class CommandNotRunnableException extends HydraException {
    public static final int NOT_FOUND = 127;
    public static final int NOT_EXECUTABLE = 126;

    private final int exitCode;

    public CommandNotRunnableException(int exitCode, String message) {
        super(Kind.INVALID, message);
        if (exitCode != NOT_FOUND && exitCode != NOT_EXECUTABLE) {
            throw new IllegalArgumentException("not a command-not-runnable exit code: " + exitCode);
        }
        this.exitCode = exitCode;
    }

    public int exitCode() {
        return exitCode;
    }
}
