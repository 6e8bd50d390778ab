package io.hydra.checkpoint.criu;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

import io.hydra.spi.checkpoint.CheckpointException;

/**
 * CRIU's lazy page transfer grows its pipes to 1024 pages (4 MiB) and fails with "splice: Bad file descriptor" on
 * either end when the host's {@code fs.pipe-max-size} is lower (Debian's default is 1 MiB). The limit only caps what
 * unprivileged processes may ask for, so raising it to CRIU's size is harmless; a lower limit is raised, never a
 * higher one lowered.
 */
final class PipeSize {
    static final long CRIU_PIPE_BYTES = 4L << 20;
    private static final Path LIMIT = Path.of("/proc/sys/fs/pipe-max-size");

    private PipeSize() {
    }

    static void ensure() throws CheckpointException {
        try {
            long now = Long.parseLong(Files.readString(LIMIT).strip());
            if (now < CRIU_PIPE_BYTES) {
                Files.writeString(LIMIT, Long.toString(CRIU_PIPE_BYTES));
            }
        } catch (IOException | NumberFormatException e) {
            throw new CheckpointException("post-copy needs fs.pipe-max-size of at least " + CRIU_PIPE_BYTES
                    + " bytes (CRIU's pipes), and " + LIMIT + " could not be read or raised: " + e.getMessage(), e);
        }
    }
}
