package io.hydra.runtime.migration;

import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import java.util.function.BooleanSupplier;

import org.jboss.logging.Logger;

import io.hydra.runtime.cluster.OwnershipRecord;
import io.hydra.runtime.cluster.OwnershipRecord.State;
import io.hydra.runtime.cluster.OwnershipWorkers;
import io.hydra.runtime.cluster.Ownerships;
import io.hydra.runtime.cluster.failover.LocalRestores;
import io.hydra.spi.checkpoint.LazyTransfer;

/**
 * The target's half of a migration: restores, here, exactly the version a {@code MIGRATING} record handed to this
 * node names, then reports it {@code RUNNING} by compare-and-set; if the restore fails (no room, a corrupt image, no
 * CRIU) it hands the container back to its source, which restores it from the same version. Never an older version:
 * going back in time is failover's answer to a lost node, not a migration's. Level-triggered (a watch and a rescan),
 * so a target daemon SIGKILLed mid-restore finishes the job when it is back; a copy it had already started is only
 * reported.
 */
public final class MigrationTarget implements AutoCloseable {
    private static final Logger LOG = Logger.getLogger(MigrationTarget.class);
    private static final Duration RESCAN_EVERY = Duration.ofSeconds(5);
    private static final int CAS_ATTEMPTS = 5;

    private final Ownerships ownerships;
    private final LocalRestores local;
    private final String nodeId;
    private final BooleanSupplier member;
    private final OwnershipWorkers workers;
    private final Duration transferDeadline;

    /**
     * @param member           whether this node is a confirmed member now: a node that may be cut off restores
     *                         nothing
     * @param transferDeadline how long a post-copy's memory may take to arrive
     */
    public MigrationTarget(Ownerships ownerships, LocalRestores local, String nodeId, BooleanSupplier member,
                           Duration transferDeadline) {
        this.transferDeadline = transferDeadline;
        this.ownerships = ownerships;
        this.local = local;
        this.nodeId = nodeId;
        this.member = member;
        this.workers = new OwnershipWorkers(ownerships, this::mine, this::restore, "migration restore", 2,
                RESCAN_EVERY);
    }

    public void start() {
        clearAbandonedFetches();
        workers.start();
    }

    /**
     * Post-copy fetches an earlier daemon left for containers no longer handed to this node (the source took them
     * back while this daemon was down): stopped, with the copy they were filling.
     */
    private void clearAbandonedFetches() {
        for (String id : local.pendingMemoryIds()) {
            try {
                Optional<Ownerships.Versioned> record = ownerships.get(id);
                if (record.filter(this::mine).isPresent()) {
                    continue; // the restore pass picks it up
                }
                boolean runsHere = record.map(v -> v.record().state() == State.RUNNING
                        && v.record().node().equals(nodeId)).orElse(false);
                local.pendingMemory(id).ifPresent(p -> {
                    if (!runsHere) {
                        p.abort();
                    }
                    p.clear();
                });
                if (!runsHere) {
                    local.removeLocalCopy(id, "its post-copy migration to node " + nodeId + " ended without it");
                }
            } catch (RuntimeException e) {
                LOG.warnf("cannot clear the post-copy fetch of %s yet: %s", id, e.getMessage());
            }
        }
    }

    @Override
    public void close() {
        workers.close();
    }

    private boolean mine(Ownerships.Versioned v) {
        return v.record().state() == State.MIGRATING && v.record().node().equals(nodeId);
    }

    /** Restores one container handed to this node, from wherever an earlier attempt got to. */
    void restore(String containerId) {
        Optional<Ownerships.Versioned> read = ownerships.get(containerId).filter(this::mine);
        if (read.isEmpty() || !member.getAsBoolean()) {
            return;
        }
        OwnershipRecord handed = read.get().record();
        long version = handed.restoredVersion();
        Optional<LocalRestores.PendingMemory> pending;
        Instant runningSince;
        if (local.liveSince(containerId).isEmpty() && local.pendingMemoryIds().contains(containerId)) {
            // a fetch an earlier daemon started before its restore ran: the source serves its pages once, so the
            // fetch is stopped (the source's dump fails and it runs the container on) and the container goes back
            local.pendingMemory(containerId).ifPresent(p -> {
                p.abort();
                p.clear();
            });
            giveBack(containerId, handed.epoch(), "the daemon of node " + nodeId + " restarted between starting"
                    + " the post-copy fetch and the restore");
            return;
        }
        if (local.liveSince(containerId).isEmpty()) {
            LOG.infof("restoring migrated container %s (%s) from node %s: version %d, epoch %d", handed.name(),
                    containerId, handed.fromNode(), version, handed.epoch());
            try {
                pending = local.restoreMigrated(containerId, version);
            } catch (RuntimeException e) {
                giveBack(containerId, handed.epoch(), "node " + nodeId + " could not restore version " + version
                        + ": " + e.getMessage());
                return;
            }
            runningSince = Instant.now();
        } else {
            LOG.infof("migrated container %s already runs here (restored before a daemon restart); reporting it",
                    handed.name());
            runningSince = local.liveSince(containerId).orElse(Instant.now());
            try {
                pending = local.pendingMemory(containerId);
            } catch (RuntimeException e) {
                // its memory cannot be vouched for: the copy goes, and the source (or failover) has it
                local.removeLocalCopy(containerId, e.getMessage());
                giveBack(containerId, handed.epoch(), e.getMessage());
                return;
            }
        }
        if (pending.isPresent() && !memoryArrived(handed, pending.get())) {
            return;
        }
        report(handed, version, runningSince);
    }

    /**
     * Post-copy: the copy runs and faults its memory in from the source; it is the container only once every page
     * is here. Otherwise it lacks memory and goes, and the container is handed back (its source, whose dump failed
     * with it, runs it again and has usually taken it back already).
     */
    private boolean memoryArrived(OwnershipRecord handed, LocalRestores.PendingMemory pending) {
        LazyTransfer end = pending.awaitEnd(transferDeadline);
        if (end.state() == LazyTransfer.State.COMPLETE) {
            pending.clear();
            LOG.infof("every page of %s arrived from node %s", handed.name(), handed.fromNode());
            return true;
        }
        if (end.state() == LazyTransfer.State.RUNNING) {
            pending.abort();
        }
        String why = "its memory did not all arrive from node " + handed.fromNode() + ": "
                + (end.ended() ? end.detail() : "not within " + transferDeadline.toSeconds() + " s");
        LOG.errorf("migrated container %s: %s; removing the copy here", handed.name(), why);
        local.removeLocalCopy(handed.containerId(), why);
        pending.clear();
        giveBack(handed.containerId(), handed.epoch(), "node " + nodeId + ": " + why);
        return false;
    }

    private void report(OwnershipRecord handed, long version, Instant runningSince) {
        StringBuilder note = new StringBuilder("migrated from " + handed.fromNode());
        if (handed.everyMillis() > 0 && handed.keep() > 0) {
            try {
                local.applyPolicy(handed.containerId(), Duration.ofMillis(handed.everyMillis()), handed.keep(),
                        handed.constraints());
            } catch (RuntimeException e) {
                LOG.errorf("container %s runs but its checkpoint policy could not be set here: %s", handed.name(),
                        e.getMessage());
                note.append("; its checkpoint policy could not be set here: ").append(e.getMessage());
            }
        }
        for (int attempt = 0; attempt < CAS_ATTEMPTS; attempt++) {
            Optional<Ownerships.Versioned> current = ownerships.get(handed.containerId());
            if (current.isEmpty() || !mine(current.get()) || current.get().record().epoch() != handed.epoch()) {
                // taken back meanwhile (this node looked lost to its source): this copy must go
                local.removeLocalCopy(handed.containerId(), current.map(v -> "owned by node " + v.record().node()
                        + " since epoch " + v.record().epoch()).orElse("its record is gone"));
                return;
            }
            // the time it started running here, which a post-copy's report takes its downtime from
            OwnershipRecord running = current.get().record().running(version, note.toString(), runningSince);
            if (ownerships.replace(current.get(), running).isPresent()) {
                LOG.infof("migrated container %s runs on node %s (version %d, epoch %d)", handed.name(), nodeId,
                        version, handed.epoch());
                return;
            }
        }
        LOG.warnf("migrated container %s runs here but its record could not be updated; trying again later",
                handed.name());
    }

    private void giveBack(String containerId, long epoch, String why) {
        LOG.errorf("migration of %s: %s; handing it back", containerId, why);
        for (int attempt = 0; attempt < CAS_ATTEMPTS; attempt++) {
            Optional<Ownerships.Versioned> current = ownerships.get(containerId);
            if (current.isEmpty() || !mine(current.get()) || current.get().record().epoch() != epoch) {
                return;
            }
            if (ownerships.replace(current.get(), current.get().record().handedBack(why, Instant.now()))
                    .isPresent()) {
                return;
            }
        }
    }
}
