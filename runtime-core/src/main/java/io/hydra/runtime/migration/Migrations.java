package io.hydra.runtime.migration;

import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;

import io.hydra.events.HydraEvent;
import io.hydra.runtime.checkpoint.CheckpointPolicies;
import io.hydra.runtime.checkpoint.CheckpointService;
import io.hydra.runtime.checkpoint.PageServerCredentials;
import io.hydra.runtime.cluster.ClusterNode;
import io.hydra.runtime.cluster.failover.CheckpointRestores;
import io.hydra.runtime.container.ContainerService;

/**
 * Live migration on this node: the source side ({@code hydra migrate}, and the migrations an earlier daemon left in
 * its journal) and, in a cluster with checkpoints, the target side that restores what other nodes hand over.
 * Started after the node joined its cluster and before the API serves.
 */
public final class Migrations implements AutoCloseable {
    private final MigrationSource source;
    private final MigrationTarget target;
    private final ExecutorService background;

    private Migrations(MigrationSource source, MigrationTarget target, ExecutorService background) {
        this.source = source;
        this.target = target;
        this.background = background;
    }

    /** @param checkpoints null when checkpoints are off here: this node then neither sends nor takes containers */
    public static Migrations start(ClusterNode cluster, ContainerService containers, CheckpointService checkpoints,
                                   CheckpointPolicies policies, MigrationJournal journal, Consumer<HydraEvent> events,
                                   Duration deadline, Optional<PageServerCredentials> pageServers) {
        AtomicInteger n = new AtomicInteger();
        ExecutorService background = Executors.newCachedThreadPool(r -> {
            Thread t = new Thread(r, "hydra-migration-" + n.incrementAndGet());
            t.setDaemon(true);
            return t;
        });
        MigrationSource source = new MigrationSource(containers, checkpoints, cluster, journal, events, deadline,
                background, pageServers);
        MigrationTarget target = null;
        if (cluster.clustered() && checkpoints != null && policies != null) {
            target = new MigrationTarget(cluster.ownerships().orElseThrow(), new CheckpointRestores(containers,
                    checkpoints, (id, every, keep, constraints) -> policies.set(id, every, keep, false, constraints),
                    cluster.localCopies().orElseThrow()::removeStale, pageServers), cluster.nodeId(),
                    cluster::member, deadline);
            target.start();
        }
        if (cluster.clustered() && checkpoints != null) {
            source.resumeInterrupted();
        }
        return new Migrations(source, target, background);
    }

    public MigrationSource source() {
        return source;
    }

    @Override
    public void close() {
        if (target != null) {
            target.close();
        }
        background.shutdownNow();
    }
}
