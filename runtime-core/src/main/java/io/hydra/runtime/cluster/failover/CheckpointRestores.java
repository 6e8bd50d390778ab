package io.hydra.runtime.cluster.failover;

import java.time.Duration;
import java.time.Instant;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import org.jboss.logging.Logger;

import io.hydra.runtime.HydraException;
import io.hydra.runtime.checkpoint.CheckpointService;
import io.hydra.runtime.checkpoint.LazyRestore;
import io.hydra.runtime.checkpoint.LazyVersions;
import io.hydra.runtime.checkpoint.PageServerCredentials;
import io.hydra.spi.checkpoint.LazyTransfer;
import io.hydra.runtime.checkpoint.repo.CheckpointVersion;
import io.hydra.runtime.checkpoint.repo.ProgressListener;
import io.hydra.runtime.container.ContainerService;
import io.hydra.runtime.state.ContainerRecord;

/**
 * The restorer's view of this node, over the container and checkpoint services every verb uses: a failover restore
 * is {@code hydra restore ID} of a container this node has no record of, which comes back with its id and name.
 */
public final class CheckpointRestores implements LocalRestores {
    private static final Logger LOG = Logger.getLogger(CheckpointRestores.class);

    /** Sets a container's checkpoint policy on this node ({@code CheckpointPolicies.set} with its constraints). */
    @FunctionalInterface
    public interface PolicySetter {
        void set(String containerId, Duration every, int keep, Map<String, String> constraints);
    }

    /** Removes this node's copy of a container another node owns, keeping its checkpoints, saying why. */
    @FunctionalInterface
    public interface StaleCopyRemover {
        void remove(String containerId, String reason);
    }

    private final ContainerService containers;
    private final CheckpointService checkpoints;
    private final PolicySetter policies;
    private final StaleCopyRemover stale;
    private final Optional<PageServerCredentials> pageServers;

    /** Removes stale copies as {@code hydra rm -f} does (the removal event does not say why; the log does). */
    public CheckpointRestores(ContainerService containers, CheckpointService checkpoints, PolicySetter policies) {
        this(containers, checkpoints, policies, (id, reason) -> containers.remove(id, true));
    }

    /** @param stale how a copy another node owns goes (the node side's {@code LocalCopies::removeStale}) */
    public CheckpointRestores(ContainerService containers, CheckpointService checkpoints, PolicySetter policies,
                              StaleCopyRemover stale) {
        this(containers, checkpoints, policies, stale, Optional.empty());
    }

    /** @param pageServers this node's credentials for fetching a post-copy's memory from its source */
    public CheckpointRestores(ContainerService containers, CheckpointService checkpoints, PolicySetter policies,
                              StaleCopyRemover stale, Optional<PageServerCredentials> pageServers) {
        this.pageServers = pageServers;
        this.containers = containers;
        this.checkpoints = checkpoints;
        this.policies = policies;
        this.stale = stale;
    }

    @Override
    public Optional<Instant> liveSince(String containerId) {
        return local(containerId).filter(r -> r.status().live())
                .map(r -> r.startedAt() != null ? r.startedAt() : r.createdAt());
    }

    @Override
    public List<Long> completeVersions(String containerId) {
        try {
            return checkpoints.versions(containerId).stream().filter(CheckpointVersion::complete)
                    .filter(v -> !LazyVersions.isLazy(v))
                    .map(CheckpointVersion::version).sorted(Comparator.reverseOrder()).toList();
        } catch (HydraException e) {
            if (e.kind() == HydraException.Kind.NOT_FOUND) {
                return List.of();
            }
            throw e;
        }
    }

    @Override
    public void restore(String containerId, long version) {
        checkpoints.restore(containerId, version, null, ProgressListener.NONE);
    }

    @Override
    public Optional<PendingMemory> restoreMigrated(String containerId, long version) {
        if (pageServers.isEmpty()) {
            restore(containerId, version);
            return Optional.empty();
        }
        return checkpoints.restoreMigrated(containerId, version, pageServers.get()).map(CheckpointRestores::pending);
    }

    @Override
    public Optional<PendingMemory> pendingMemory(String containerId) {
        return pageServers.flatMap(p -> checkpoints.reopenLazyRestore(containerId, p))
                .map(CheckpointRestores::pending);
    }

    @Override
    public List<String> pendingMemoryIds() {
        return pageServers.isEmpty() ? List.of() : checkpoints.lazyRestoreIds();
    }

    private static PendingMemory pending(LazyRestore lazy) {
        return new PendingMemory() {
            @Override
            public LazyTransfer awaitEnd(Duration timeout) {
                return lazy.pages().awaitEnd(timeout);
            }

            @Override
            public void abort() {
                lazy.pages().abort();
            }

            @Override
            public void clear() {
                lazy.close();
            }
        };
    }

    @Override
    public void applyPolicy(String containerId, Duration every, int keep, Map<String, String> constraints) {
        policies.set(containerId, every, keep, constraints);
    }

    @Override
    public void removeLocalCopy(String containerId, String reason) {
        if (local(containerId).isEmpty()) {
            return;
        }
        LOG.warnf("removing this node's copy of %s: %s", containerId, reason);
        stale.remove(containerId, reason);
    }

    private Optional<ContainerRecord> local(String containerId) {
        try {
            ContainerRecord r = containers.find(containerId);
            // a prefix of another container's id is not this one
            return r.id().equals(containerId) ? Optional.of(r) : Optional.empty();
        } catch (HydraException e) {
            if (e.kind() == HydraException.Kind.NOT_FOUND) {
                return Optional.empty();
            }
            throw e;
        }
    }
}
