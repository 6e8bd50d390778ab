package io.hydra.spi.checkpoint;

import java.nio.file.Path;
import java.util.Optional;

/**
 * @param leaveRunning   keep the container running after the dump
 * @param parentImage    a previous pre-dump to make this one incremental (only where dirty tracking exists)
 * @param tcpEstablished dump established TCP connections
 * @param fileLocks      dump file locks
 */
public record CheckpointOptions(boolean leaveRunning, Optional<Path> parentImage,
                                boolean tcpEstablished, boolean fileLocks) {
    public static CheckpointOptions simple(boolean leaveRunning) {
        return new CheckpointOptions(leaveRunning, Optional.empty(), false, false);
    }
}
