package io.hydra.runtime.migration;

import java.io.IOException;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;

import org.jboss.logging.Logger;

import io.hydra.runtime.HydraException;
import io.hydra.runtime.checkpoint.CheckpointService;
import io.hydra.runtime.checkpoint.LazyDumps;
import io.hydra.runtime.checkpoint.PageServerCredentials;
import io.hydra.runtime.cluster.ClusterNode;
import io.hydra.runtime.cluster.NodeRecord;
import io.hydra.runtime.cluster.OwnershipRecord;
import io.hydra.runtime.cluster.OwnershipRecord.State;
import io.hydra.runtime.cluster.Ownerships;
import io.hydra.runtime.container.ContainerService;
import io.hydra.runtime.migration.MigrationJournal.Entry;
import io.hydra.runtime.migration.MigrationJournal.Phase;
import io.hydra.runtime.migration.MigrationReport.Listener;
import io.hydra.runtime.recovery.CrashPoint;
import io.hydra.runtime.state.ContainerRecord;
import io.hydra.spi.checkpoint.LazyTransfer;

/**
 * The source's half of a post-copy migration. Under the container's lock throughout (its exit, when its memory has
 * gone, is the dump's and no crash): a lazy dump, its image without memory stored as a version, the ownership
 * record handed to the target ({@code MIGRATING}) naming that version, whose metadata names the page server. Then
 * the dump serves the memory while the target's copy runs. It ends one of two ways:
 * <ul>
 *   <li>every page went: the processes here are gone, and the migration ends when the target reports the container
 *       running (it does once it has every page);</li>
 *   <li>not every page went (the target gave up, was lost, or the deadline passed: the dump is then aborted): the
 *       container runs here again, so this node takes its record back itself, one epoch more, and the target's copy,
 *       which lacks memory, can never be reported.</li>
 * </ul>
 * The risk that remains is the one post-copy always has: a source lost mid-transfer takes the pages not yet sent
 * with it. The target's copy is then killed, and the container comes back from its last stored version elsewhere.
 */
final class PostCopySource {
    private static final Logger LOG = Logger.getLogger(PostCopySource.class);
    private static final Duration LOOK_EVERY = Duration.ofMillis(250);

    private final ContainerService containers;
    private final CheckpointService checkpoints;
    private final ClusterNode cluster;
    private final MigrationJournal journal;
    private final MigrationSettlement settlement;
    private final PageServerCredentials credentials;
    private final Duration deadline;

    PostCopySource(ContainerService containers, CheckpointService checkpoints, ClusterNode cluster,
                   MigrationJournal journal, MigrationSettlement settlement, PageServerCredentials credentials,
                   Duration deadline) {
        this.containers = containers;
        this.checkpoints = checkpoints;
        this.cluster = cluster;
        this.journal = journal;
        this.settlement = settlement;
        this.credentials = credentials;
        this.deadline = deadline;
    }

    private enum End { ON_TARGET_SIDE, RESUMED_HERE, LOST_HERE }

    MigrationReport migrate(Entry started, NodeRecord target, Listener listener, Ownerships ownerships,
                            long startNanos) {
        Entry[] entry = {started};
        long[] moved = {0};
        End end = containers.locked(started.containerId(), r -> {
            Instant frozenAt = Instant.now();
            LazyDumps.Served served;
            try {
                entry[0] = journal.advance(entry[0], Phase.DUMPING, 0, entry[0].epoch(), frozenAt);
                listener.phase("final", 1, 0, 0);
                served = checkpoints.lazyDumps().dump(r, credentials.listen(), (phase, done, total) ->
                        listener.phase("final", 1, done, total));
                moved[0] = served.movedBytes();
                entry[0] = journal.advance(entry[0], Phase.DUMPING, served.version(), entry[0].epoch(), frozenAt);
            } catch (IOException | RuntimeException e) {
                throw fail(entry[0], e, "the lazy dump failed", moved[0]);
            }
            try {
                listener.phase("handoff", 1, 0, 0);
                Optional<Ownerships.Versioned> current = ownerships.get(r.id());
                Optional<Ownerships.Versioned> handed = current.isEmpty()
                        || !current.get().record().node().equals(entry[0].from())
                        || current.get().record().epoch() != entry[0].epoch() ? Optional.empty()
                        : ownerships.replace(current.get(), current.get().record().migratingTo(target.id(),
                        served.version(), entry[0].id(), Instant.now()));
                if (handed.isEmpty()) {
                    throw HydraException.conflict("its ownership record changed during the migration");
                }
                CrashPoint.at("migration.handed-over");
                entry[0] = journal.advance(entry[0], Phase.HANDED_OVER, served.version(),
                        handed.get().record().epoch(), frozenAt);
            } catch (IOException | RuntimeException e) {
                if (stillOurs(ownerships, entry[0])) {
                    served.abort();
                    served.awaitEnd(deadline);
                    served.resumed();
                    throw fail(entry[0], e, "the handover to node " + target.id() + " failed", moved[0]);
                }
                // the record may have moved (an answer lost, or a journal that could not be written): serving
                // settles it either way, since a target that never restores leaves it to the deadline
                LOG.warnf("the handover of %s to node %s may have happened (%s); serving its memory",
                        entry[0].name(), target.id(), e.getMessage());
            }
            LOG.infof("handed %s to node %s at epoch %d; serving its memory from version %d's page server",
                    entry[0].name(), target.id(), entry[0].epoch(), served.version());
            listener.phase("restore", 1, 0, 0);
            return serve(entry[0], served, target.id(), ownerships);
        });
        Entry e = entry[0];
        return switch (end) {
            case ON_TARGET_SIDE -> {
                // every page is there: the target reports it running, or (lost meanwhile) gives it back to failover
                Handover.Result result = new Handover(ownerships, e.from(), n -> cluster.peer(n).isPresent())
                        .await(e.containerId(), target.id(), e.epoch(), deadline);
                removeLazyVersion(e);
                yield settlement.settle(e, result, MigrationMode.POSTCOPY, List.of(), List.of(),
                        "post-copy: the target ran it at once and faulted its memory in from node " + e.from(),
                        moved[0], startNanos).orElseThrow();
            }
            case RESUMED_HERE, LOST_HERE -> {
                removeLazyVersion(e);
                throw settlement.postCopyFailed(e, end == End.RESUMED_HERE, moved[0]);
            }
        };
    }

    /** Until the dump ends; the record's changes and the deadline abort it. The caller holds the lock. */
    private End serve(Entry entry, LazyDumps.Served served, String target, Ownerships ownerships) {
        long until = System.nanoTime() + deadline.toNanos();
        boolean aborted = false;
        while (true) {
            LazyTransfer t = served.awaitEnd(LOOK_EVERY);
            if (t.state() == LazyTransfer.State.COMPLETE) {
                LOG.infof("every page of %s went to node %s", entry.name(), target);
                ContainerRecord gone = served.gone();
                LOG.debugf("%s is %s here", gone.name(), gone.status());
                return End.ON_TARGET_SIDE;
            }
            if (t.state() == LazyTransfer.State.FAILED) {
                LOG.warnf("post-copy of %s to node %s ended before every page went: %s", entry.name(), target,
                        t.detail());
                boolean runs = served.resumed();
                if (runs) {
                    settlement.takeBack(entry, "post-copy to node " + target + " failed: " + t.detail());
                }
                return runs ? End.RESUMED_HERE : End.LOST_HERE;
            }
            if (aborted) {
                continue;
            }
            String why = null;
            if (System.nanoTime() > until) {
                why = "the target did not take every page within " + deadline.toSeconds() + " s";
            } else if (cluster.peer(target).isEmpty()) {
                why = "node " + target + " was lost";
            } else {
                Optional<OwnershipRecord> r = read(ownerships, entry.containerId());
                if (r.isPresent() && !(r.get().state() == State.MIGRATING && r.get().node().equals(target)
                        && r.get().epoch() == entry.epoch())) {
                    why = "node " + target + " gave it back: " + r.get().reason();
                }
            }
            if (why != null) {
                LOG.warnf("aborting the post-copy of %s: %s", entry.name(), why);
                served.abort();
                aborted = true;
            }
        }
    }

    /** The record still names this node at the migration's epoch: the handover certainly did not happen. */
    private static boolean stillOurs(Ownerships ownerships, Entry entry) {
        try {
            return ownerships.get(entry.containerId()).map(v -> v.record().node().equals(entry.from())
                    && v.record().epoch() == entry.epoch()).orElse(false);
        } catch (RuntimeException e) {
            return false;
        }
    }

    private static Optional<OwnershipRecord> read(Ownerships ownerships, String containerId) {
        try {
            return ownerships.get(containerId).map(Ownerships.Versioned::record);
        } catch (RuntimeException e) {
            // the coordinator did not answer: the dump's own end decides
            return Optional.empty();
        }
    }

    private void removeLazyVersion(Entry e) {
        checkpoints.removeLazyVersion(e.containerId(), e.version());
    }

    private HydraException fail(Entry entry, Exception cause, String step, long moved) {
        String why = step + ": " + cause.getMessage();
        LOG.warnf("migration %s of %s: %s", entry.id(), entry.name(), why);
        String runsOn = settlement.settleHere(entry, why, 0, moved);
        return HydraException.failed("migration of " + entry.name() + " to node " + entry.to() + " failed: "
                + why + (runsOn.isEmpty() ? "; it runs nowhere now" : "; it runs on node " + runsOn));
    }
}
