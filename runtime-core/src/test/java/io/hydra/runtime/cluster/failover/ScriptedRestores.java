package io.hydra.runtime.cluster.failover;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.LongConsumer;

/**
 * A stand-in for this node's containers and CRIU: restoring a version succeeds or fails as the test scripts it (a
 * damaged version, a restore the record is moved away during). Real restores are the checkpoint service's, tested
 * with CRIU there and end to end with daemons in it/.
 */
final class ScriptedRestores implements LocalRestores {
    record Policy(String containerId, Duration every, int keep, Map<String, String> constraints) {
    }

    final Map<String, List<Long>> versions = new ConcurrentHashMap<>();
    final Set<Long> damaged = ConcurrentHashMap.newKeySet();
    final Map<String, Instant> live = new ConcurrentHashMap<>();
    final List<Long> attempts = new CopyOnWriteArrayList<>();
    final List<Policy> policies = new CopyOnWriteArrayList<>();
    final List<String> removed = new CopyOnWriteArrayList<>();
    /** Runs inside each attempt, before it succeeds or fails (the world changing while CRIU works). */
    volatile LongConsumer during = v -> {
    };

    @Override
    public Optional<Instant> liveSince(String containerId) {
        return Optional.ofNullable(live.get(containerId));
    }

    @Override
    public List<Long> completeVersions(String containerId) {
        return versions.getOrDefault(containerId, List.of());
    }

    @Override
    public void restore(String containerId, long version) {
        attempts.add(version);
        during.accept(version);
        if (damaged.contains(version)) {
            throw new IllegalStateException("criu restore failed: version " + version + " is damaged");
        }
        live.put(containerId, Instant.now());
    }

    @Override
    public void applyPolicy(String containerId, Duration every, int keep, Map<String, String> constraints) {
        policies.add(new Policy(containerId, every, keep, constraints));
    }

    @Override
    public void removeLocalCopy(String containerId, String reason) {
        removed.add(containerId + ": " + reason);
        live.remove(containerId);
    }
}
