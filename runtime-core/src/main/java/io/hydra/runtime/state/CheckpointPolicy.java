package io.hydra.runtime.state;

import java.time.Duration;
import java.time.Instant;
import java.util.Map;

/**
 * Periodic leave-running checkpoints of one container, keeping the newest {@code keep} complete versions.
 * Policies written before the cluster existed read with {@code noFailover} false and no constraints.
 *
 * @param nextDue     when the next checkpoint is due
 * @param lastError   the last attempt's failure, or null
 * @param noFailover  {@code --no-failover}: checkpointed, but not restored elsewhere when its node is lost
 * @param constraints {@code --constraint K=V} given with the policy: they replace the container's own when not empty
 */
public record CheckpointPolicy(String containerId, Duration every, int keep, Instant nextDue, String lastError,
                               boolean noFailover, Map<String, String> constraints) {
    public CheckpointPolicy {
        constraints = constraints == null ? Map.of() : Map.copyOf(constraints);
    }

    public CheckpointPolicy(String containerId, Duration every, int keep, Instant nextDue, String lastError) {
        this(containerId, every, keep, nextDue, lastError, false, Map.of());
    }

    public CheckpointPolicy withNextDue(Instant due, String error) {
        return new CheckpointPolicy(containerId, every, keep, due, error, noFailover, constraints);
    }

    /** Whether the container fails over when its node is lost (a policy and no {@code --no-failover}). */
    public boolean protects() {
        return !noFailover;
    }
}
