package io.hydra.runtime.state;

import java.time.Duration;
import java.time.Instant;

/**
 * Periodic leave-running checkpoints of one container, keeping the newest {@code keep} complete versions.
 *
 * @param nextDue   when the next checkpoint is due
 * @param lastError the last attempt's failure, or null
 */
public record CheckpointPolicy(String containerId, Duration every, int keep, Instant nextDue, String lastError) {
    public CheckpointPolicy withNextDue(Instant due, String error) {
        return new CheckpointPolicy(containerId, every, keep, due, error);
    }
}
