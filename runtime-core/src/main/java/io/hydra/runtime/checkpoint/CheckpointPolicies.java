package io.hydra.runtime.checkpoint;

import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;

import org.jboss.logging.Logger;

import io.hydra.runtime.HydraException;
import io.hydra.runtime.container.ContainerService;
import io.hydra.runtime.state.CheckpointPolicy;
import io.hydra.runtime.state.ContainerRecord;
import io.hydra.runtime.state.ContainerStatus;
import io.hydra.runtime.state.StateStore;
import io.hydra.spi.checkpoint.CheckpointOptions;
import io.hydra.runtime.checkpoint.repo.ProgressListener;

/**
 * Periodic leave-running checkpoints. Policies are durable (a daemon restart resumes them where they were); a
 * failed run is retried soon rather than after a whole interval, and nothing stored before is touched by a failure.
 */
public final class CheckpointPolicies {
    private static final Logger LOG = Logger.getLogger(CheckpointPolicies.class);
    private static final Duration MIN_EVERY = Duration.ofSeconds(1);
    private static final Duration RETRY = Duration.ofSeconds(5);

    private final CheckpointService checkpoints;
    private final ContainerService containers;
    private final StateStore store;
    private final ExecutorService workers;
    private final Set<String> running = ConcurrentHashMap.newKeySet();
    private final Gate gate;

    /**
     * Whether a policy checkpoint may write a version now. In a cluster only the container's owner, while it is
     * certainly a member, may: a node that may have been lost must never add a version the new owner restores.
     */
    public interface Gate {
        Gate OPEN = id -> Optional.empty();

        /** Why the checkpoint of {@code containerId} must wait, or empty when it may run. */
        Optional<String> refusal(String containerId);
    }

    public CheckpointPolicies(CheckpointService checkpoints, ContainerService containers, StateStore store,
                              ExecutorService workers) {
        this(checkpoints, containers, store, workers, Gate.OPEN);
    }

    public CheckpointPolicies(CheckpointService checkpoints, ContainerService containers, StateStore store,
                              ExecutorService workers, Gate gate) {
        this.checkpoints = checkpoints;
        this.containers = containers;
        this.store = store;
        this.workers = workers;
        this.gate = gate;
    }

    public CheckpointPolicy set(String nameOrId, Duration every, int keep) {
        return set(nameOrId, every, keep, false, Map.of());
    }

    /**
     * Sets the policy; {@code noFailover} keeps the container from failing over, {@code constraints} (when not
     * empty) replace the container's own for its next node.
     */
    public CheckpointPolicy set(String nameOrId, Duration every, int keep, boolean noFailover,
                                Map<String, String> constraints) {
        ContainerRecord r = containers.find(nameOrId);
        Map<String, String> checked = io.hydra.runtime.cluster.Constraints.check(constraints);
        if (every.compareTo(MIN_EVERY) < 0) {
            throw HydraException.invalid("--every must be at least 1s, got " + every.toMillis() + " ms");
        }
        if (keep < 1 || keep > 10_000) {
            throw HydraException.invalid("--keep must be between 1 and 10000, got " + keep);
        }
        CheckpointPolicy policy = new CheckpointPolicy(r.id(), every, keep, Instant.now().plus(every), null,
                noFailover, checked);
        store.putPolicy(r.id(), policy);
        return policy;
    }

    /** Removes the container's policy; its id. */
    public String remove(String nameOrId) {
        ContainerRecord r = containers.find(nameOrId);
        if (store.policy(r.id()).isEmpty()) {
            throw HydraException.notFound("container " + r.name() + " has no checkpoint policy");
        }
        store.putPolicy(r.id(), null);
        return r.id();
    }

    /** Starts every due checkpoint; called often by the daemon's scheduler. */
    public void runDue() {
        Instant now = Instant.now();
        for (CheckpointPolicy policy : store.policies()) {
            if (policy.nextDue().isAfter(now) || !running.add(policy.containerId())) {
                continue;
            }
            if (policy.lastError() == null && policy.nextDue().plus(policy.every()).isBefore(now)) {
                // more than a whole interval late: too many policies for hydra.checkpoint.max-concurrent
                LOG.warnf("checkpoint policy of %s runs %d s late: raise hydra.checkpoint.max-concurrent or the"
                        + " interval", policy.containerId(), Duration.between(policy.nextDue(), now).toSeconds());
            }
            workers.execute(() -> {
                try {
                    runOnce(policy);
                } finally {
                    running.remove(policy.containerId());
                }
            });
        }
    }

    private void runOnce(CheckpointPolicy policy) {
        ContainerRecord r = store.byId(policy.containerId()).orElse(null);
        if (r == null) {
            return;
        }
        if (r.status() != ContainerStatus.running) {
            update(policy, Instant.now().plus(policy.every()), null);
            return;
        }
        Optional<String> refusal;
        try {
            refusal = gate.refusal(r.id());
        } catch (RuntimeException e) {
            refusal = Optional.of("its ownership cannot be checked: " + e.getMessage());
        }
        if (refusal.isPresent()) {
            Duration retry = policy.every().compareTo(RETRY) < 0 ? policy.every() : RETRY;
            LOG.infof("policy checkpoint of %s waits %d s: %s", r.name(), retry.toSeconds(), refusal.get());
            update(policy, Instant.now().plus(retry), "waiting: " + refusal.get());
            return;
        }
        try {
            CheckpointService.Outcome outcome = checkpoints.checkpoint(r.id(), CheckpointOptions.simple(true),
                    ProgressListener.NONE);
            checkpoints.applyRetention(r.id(), policy.keep());
            checkpoints.collectGarbageIfDue();
            LOG.infof("policy checkpoint of %s: version %d, %d bytes new, frozen %d ms", r.name(), outcome.version(),
                    outcome.storedBytes(), outcome.frozenMillis());
            update(policy, Instant.now().plus(policy.every()), null);
        } catch (Exception e) {
            Duration retry = policy.every().compareTo(RETRY) < 0 ? policy.every() : RETRY;
            LOG.warnf("policy checkpoint of %s failed, retrying in %d s: %s", r.name(), retry.toSeconds(),
                    e.getMessage());
            update(policy, Instant.now().plus(retry), e.getMessage());
        }
    }

    private void update(CheckpointPolicy policy, Instant nextDue, String error) {
        // the policy may have been changed or removed while the checkpoint ran
        store.policy(policy.containerId()).filter(current -> current.every().equals(policy.every())
                && current.keep() == policy.keep() && current.noFailover() == policy.noFailover()
                && current.constraints().equals(policy.constraints())).ifPresent(current ->
                store.putPolicy(policy.containerId(), current.withNextDue(nextDue, error)));
    }
}
