package io.hydra.runtime.migration;

import java.io.IOException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ExecutorService;
import java.util.function.Consumer;

import org.jboss.logging.Logger;

import io.hydra.events.HydraEvent;
import io.hydra.runtime.HydraException;
import io.hydra.runtime.checkpoint.CheckpointService;
import io.hydra.runtime.checkpoint.repo.ProgressListener;
import io.hydra.runtime.cluster.ClusterNode;
import io.hydra.runtime.cluster.OwnershipRecord;
import io.hydra.runtime.cluster.Ownerships;
import io.hydra.runtime.container.ContainerService;
import io.hydra.runtime.migration.MigrationJournal.Entry;
import io.hydra.runtime.migration.MigrationJournal.Phase;
import io.hydra.runtime.migration.MigrationReport.RoundReport;
import io.hydra.runtime.state.ContainerRecord;

/**
 * How a migration ends on its source: from the ownership record, which alone says where the container is. The
 * target runs it (the report, the local copy removed); it came back here, went elsewhere or is lost (the error and
 * {@code migration.failed} saying where it runs); or the migration never handed it over (it runs here again,
 * restored from its last version if the final dump stopped it). Also what a restarted daemon does with the
 * migrations its journal still holds.
 */
final class MigrationSettlement {
    private static final Logger LOG = Logger.getLogger(MigrationSettlement.class);
    private static final Duration RETRY_EVERY = Duration.ofSeconds(2);

    private final ContainerService containers;
    private final CheckpointService checkpoints;
    private final ClusterNode cluster;
    private final MigrationJournal journal;
    private final Consumer<HydraEvent> events;
    private final MigrationEvents announce;
    private final Duration deadline;
    private final ExecutorService background;

    MigrationSettlement(ContainerService containers, CheckpointService checkpoints, ClusterNode cluster,
                        MigrationJournal journal, Consumer<HydraEvent> events, Duration deadline,
                        ExecutorService background) {
        this.containers = containers;
        this.checkpoints = checkpoints;
        this.cluster = cluster;
        this.journal = journal;
        this.events = events;
        this.announce = new MigrationEvents(cluster.nodeId());
        this.deadline = deadline;
        this.background = background;
    }

    /**
     * Ends a migration that did not hand the container over, or whose handover has to be found out from the record:
     * if the record is still this node's, the container runs here (restored from its newest version when the final
     * dump stopped it). Emits {@code migration.failed}; returns where it runs ("" for nowhere).
     */
    String settleHere(Entry entry, String why, int rounds, long bytesMoved) {
        Ownerships ownerships = cluster.ownerships().orElseThrow();
        Optional<Ownerships.Versioned> record = ownerships.get(entry.containerId());
        if (record.isPresent() && !record.get().record().node().equals(entry.from())) {
            // the handover happened (the journal did not say so yet): the record settles it
            awaitInBackground(entry, rounds, bytesMoved);
            return record.get().record().node();
        }
        String runsOn = entry.from();
        Optional<ContainerRecord> local = containers.containers().store().byId(entry.containerId());
        if (local.isPresent() && !local.get().status().live()) {
            try {
                LOG.infof("restoring %s here: %s", entry.name(), why);
                checkpoints.restore(entry.containerId(), 0, null, ProgressListener.NONE);
            } catch (RuntimeException e) {
                LOG.errorf("container %s could not be restored here after its migration failed: %s", entry.name(),
                        e.getMessage());
                runsOn = "";
                why = why + "; restoring it here failed too: " + e.getMessage();
            }
        } else if (local.isEmpty()) {
            runsOn = "";
        }
        events.accept(announce.failed(entry, runsOn, why, rounds, bytesMoved));
        end(entry);
        cluster.changed(entry.containerId());
        return runsOn;
    }

    /**
     * Settles the migrations an earlier daemon left in the journal, at start-up once the node has joined: one handed
     * over is awaited in the background (the record tells its end); any other runs here again.
     */
    public void resumeInterrupted() {
        for (Entry e : journal.all()) {
            if (!resume(e)) {
                background.execute(() -> retry(e));
            }
        }
    }

    private boolean resume(Entry e) {
        try {
            if (MigrationMode.POSTCOPY.text().equals(e.mode()) && e.version() > 0 && liveHere(e)) {
                // start-up's checkpoint recovery ended the lazy dump before every page went: it runs here again,
                // whether or not the record was handed over
                takeBack(e, "the daemon of node " + e.from() + " restarted during the post-copy");
                LOG.warnf("%s", postCopyFailed(e, true, 0).getMessage());
                return true;
            }
            if (e.phase() == Phase.HANDED_OVER) {
                LOG.infof("migration %s of %s was handed to node %s before the restart: awaiting its end",
                        e.id(), e.name(), e.to());
                awaitInBackground(e, 0, 0);
            } else {
                settleHere(e, "the daemon of node " + e.from() + " restarted during the migration ("
                        + e.phase().name().toLowerCase() + ")", 0, 0);
            }
            return true;
        } catch (RuntimeException ex) {
            // the entry stays, and keeps the ownership pass off the container until it is settled
            LOG.errorf("migration %s of %s not settled at start-up (trying again): %s", e.id(), e.name(),
                    ex.getMessage());
            return false;
        }
    }

    /** A migration the start-up could not settle (the coordinator did not answer) is tried again until it is. */
    private void retry(Entry e) {
        while (journal.active(e.containerId())) {
            try {
                Thread.sleep(RETRY_EVERY.toMillis()); // a back-off between attempts at a coordinator that failed
            } catch (InterruptedException ex) {
                Thread.currentThread().interrupt();
                return;
            }
            if (resume(journal.get(e.containerId()).orElse(e))) {
                return;
            }
        }
    }

    /** A handed-over migration whose daemon restarted: its end is the record's, found out in the background. */
    void awaitInBackground(Entry entry, int rounds, long bytesMoved) {
        background.execute(() -> {
            try {
                Handover.Result result = new Handover(cluster.ownerships().orElseThrow(), entry.from(),
                        n -> cluster.peer(n).isPresent()).await(entry.containerId(), entry.to(),
                        Math.max(entry.epoch(), 1), deadline);
                settle(entry, result, MigrationMode.parse(entry.mode()), List.of(), List.of(),
                        "resumed after a daemon restart", bytesMoved, System.nanoTime());
            } catch (RuntimeException e) {
                LOG.errorf("migration %s of %s: %s", entry.id(), entry.name(), e.getMessage());
            }
        });
    }

    /** The migration's end as the record tells it; a report when the target runs it, an error otherwise. */
    Optional<MigrationReport> settle(Entry entry, Handover.Result result, MigrationMode mode,
                                             List<Convergence.Round> rounds, List<String> decisions, String decision,
                                             long moved, long startNanos) {
        int n = rounds.size();
        switch (result.outcome()) {
            case ON_TARGET -> {
                OwnershipRecord r = result.record().orElseThrow();
                cluster.localCopies().ifPresent(c -> c.removeStale(entry.containerId(), "migrated to node "
                        + entry.to() + " (epoch " + r.epoch() + ")"));
                end(entry);
                long downtime = entry.frozenAt() == null || r.updatedAt() == null ? 0
                        : Math.max(0, Duration.between(entry.frozenAt(), r.updatedAt()).toMillis());
                List<RoundReport> details = new ArrayList<>();
                for (int i = 0; i < n; i++) {
                    details.add(new RoundReport(rounds.get(i), decisions.get(i), 0));
                }
                MigrationReport report = new MigrationReport(entry.id(), entry.containerId(), entry.name(), mode,
                        entry.from(), entry.to(), n, moved, downtime,
                        Duration.ofNanos(System.nanoTime() - startNanos).toMillis(), entry.version(), r.epoch(),
                        decision, details);
                LOG.infof("migrated %s from %s to %s (%s, %d rounds, %d bytes, downtime %d ms)", entry.name(),
                        entry.from(), entry.to(), mode.text(), n, moved, downtime);
                events.accept(announce.completed(report));
                return Optional.of(report);
            }
            case BACK_HERE -> {
                String why = result.record().map(OwnershipRecord::reason).filter(s -> !s.isEmpty())
                        .orElse("node " + entry.to() + " gave it back");
                events.accept(announce.failed(entry, entry.from(), why, n, moved));
                end(entry);
                throw HydraException.failed("migration of " + entry.name() + " to node " + entry.to() + " failed: "
                        + why + "; it runs on node " + entry.from() + " again");
            }
            case ELSEWHERE, LOST, TIMED_OUT -> {
                String where = result.record().map(OwnershipRecord::node).orElse("");
                String state = result.record().map(r -> r.state().name().toLowerCase()).orElse("gone");
                String why = switch (result.outcome()) {
                    case ELSEWHERE -> "the cluster moved it to node " + where + " meanwhile";
                    case LOST -> "it was given up as lost: " + result.record().map(OwnershipRecord::reason)
                            .orElse("its ownership record is gone");
                    default -> "node " + entry.to() + " did not report it running within " + deadline.toSeconds()
                            + " s; its ownership record is " + state + " on node " + where;
                };
                String runsOn = result.outcome() == Handover.Outcome.LOST ? "" : where;
                events.accept(announce.failed(entry, runsOn, why, n, moved));
                end(entry);
                throw HydraException.failed("migration of " + entry.name() + " to node " + entry.to() + ": " + why);
            }
            default -> throw new IllegalStateException(result.outcome().name());
        }
    }

    private boolean liveHere(Entry e) {
        return containers.containers().store().byId(e.containerId()).map(r -> r.status().live()).orElse(false);
    }

    /**
     * A post-copy whose dump ended before every page went, with the container running here again: this node takes
     * its record back itself, one epoch more, from the target (still {@code MIGRATING}) or from the hand-back
     * ({@code RESTORING} here), so the target's copy, which lacks memory, can never be reported running.
     */
    void takeBack(Entry entry, String why) {
        Ownerships ownerships = cluster.ownerships().orElseThrow();
        for (int attempt = 0; attempt < 5; attempt++) {
            Optional<Ownerships.Versioned> current;
            try {
                current = ownerships.get(entry.containerId());
            } catch (RuntimeException e) {
                LOG.warnf("cannot read the ownership record of %s to take it back: %s", entry.name(), e.getMessage());
                continue;
            }
            if (current.isEmpty()) {
                return;
            }
            OwnershipRecord r = current.get().record();
            Instant now = Instant.now();
            OwnershipRecord back;
            if (r.state() == OwnershipRecord.State.MIGRATING && r.node().equals(entry.to())
                    && r.epoch() == entry.epoch()) {
                back = r.handedBack(why, now).running(0, why, now);
            } else if (r.node().equals(entry.from()) && r.state() == OwnershipRecord.State.RESTORING) {
                back = r.running(0, why, now);
            } else if (r.node().equals(entry.from()) && r.state() == OwnershipRecord.State.RUNNING) {
                return; // never handed over
            } else {
                LOG.warnf("%s runs here again after its post-copy failed, but its record names node %s (%s)",
                        entry.name(), r.node(), r.state().name().toLowerCase());
                return;
            }
            if (ownerships.replace(current.get(), back).isPresent()) {
                LOG.infof("took %s back from node %s at epoch %d: %s", entry.name(), entry.to(), back.epoch(), why);
                cluster.changed(entry.containerId());
                return;
            }
        }
    }

    /** A post-copy that did not move the container: where it runs, the event, the journal entry gone. */
    HydraException postCopyFailed(Entry entry, boolean resumedHere, long moved) {
        if (!resumedHere) {
            String runsOn = settleHere(entry, "the post-copy to node " + entry.to() + " failed and the processes"
                    + " here are gone", 0, moved);
            return HydraException.failed("migration of " + entry.name() + " to node " + entry.to() + " failed after"
                    + " its processes here were gone; " + (runsOn.isEmpty() ? "it runs nowhere now"
                    : "it is restored on node " + runsOn + " from its newest stored version"));
        }
        String why = "the target did not take every page";
        Optional<OwnershipRecord> r = cluster.ownerships().orElseThrow().get(entry.containerId())
                .map(Ownerships.Versioned::record);
        if (r.isPresent() && !r.get().reason().isEmpty()) {
            why = r.get().reason();
        }
        events.accept(announce.failed(entry, entry.from(), why, 0, moved));
        end(entry);
        return HydraException.failed("migration of " + entry.name() + " to node " + entry.to() + " failed: " + why
                + "; it runs on node " + entry.from() + " again");
    }

    private void end(Entry entry) {
        try {
            journal.end(entry);
        } catch (IOException e) {
            // the entry stays: the next start settles it again, which finds nothing left to do
            LOG.errorf("cannot remove the journal entry of migration %s: %s", entry.id(), e.getMessage());
        }
    }
}
