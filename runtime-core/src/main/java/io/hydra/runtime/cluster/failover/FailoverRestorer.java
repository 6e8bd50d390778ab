package io.hydra.runtime.cluster.failover;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.function.Consumer;
import java.util.function.Predicate;

import org.jboss.logging.Logger;

import io.hydra.events.HydraEvent;
import io.hydra.runtime.cluster.OwnershipRecord;
import io.hydra.runtime.cluster.OwnershipRecord.State;
import io.hydra.runtime.cluster.OwnershipWorkers;
import io.hydra.runtime.cluster.Ownerships;

/**
 * Restores, on this node, the containers the controller bound to it ({@code RESTORING} with this node as owner):
 * the newest complete checkpoint version first, older ones when that fails, then it takes the container's
 * checkpoint policy over and reports it {@code RUNNING}. It is level-triggered (a watch, and a rescan at start and
 * every few seconds), so a daemon SIGKILLed mid-restore finishes the job when it is back, and a container already
 * running here is only reported.
 */
public final class FailoverRestorer implements AutoCloseable {
    private static final Logger LOG = Logger.getLogger(FailoverRestorer.class);
    private static final Duration RESCAN_EVERY = Duration.ofSeconds(10);
    /**
     * A live local copy started this long before the move that bound the container here is an older incarnation
     * (a copy fencing froze before the container ran elsewhere), not this node's restore; far below the time two
     * moves take (each waits for a lease to expire), far above the clock skew between nodes.
     */
    private static final Duration STALE_COPY_MARGIN = Duration.ofSeconds(2);
    private static final int CAS_ATTEMPTS = 5;

    private final Ownerships ownerships;
    private final Predicate<String> postCopyFromHere;
    private final LocalRestores local;
    private final Consumer<HydraEvent> events;
    private final String nodeId;
    private final FailoverEvents announce;
    private final OwnershipWorkers workers;

    public FailoverRestorer(Ownerships ownerships, LocalRestores local, Consumer<HydraEvent> events, String nodeId) {
        this(ownerships, local, events, nodeId, id -> false);
    }

    /**
     * @param postCopyFromHere whether a post-copy migration of the container from this node is under way: a copy
     *                         that runs here then is the one its failed dump resumed, which that migration reports
     *                         itself (it is not stale, and must not be replaced by an older version)
     */
    public FailoverRestorer(Ownerships ownerships, LocalRestores local, Consumer<HydraEvent> events, String nodeId,
                            Predicate<String> postCopyFromHere) {
        this.postCopyFromHere = postCopyFromHere;
        this.ownerships = ownerships;
        this.local = local;
        this.events = events;
        this.nodeId = nodeId;
        this.announce = new FailoverEvents(nodeId);
        // restores of many containers of a lost node run side by side: most of each is waiting on S3, runc, conmon
        // and CRIU, so twice the cores (the bench: one restore after another made 50 containers take 24 s)
        this.workers = new OwnershipWorkers(ownerships, this::mine, this::restore, "failover restore",
                Math.max(4, 2 * Runtime.getRuntime().availableProcessors()), RESCAN_EVERY);
    }

    public void start() {
        workers.start();
    }

    @Override
    public void close() {
        workers.close();
    }

    private boolean mine(Ownerships.Versioned v) {
        return v.record().state() == State.RESTORING && v.record().node().equals(nodeId);
    }

    /** Restores one container bound to this node, from whatever point an earlier attempt reached. */
    void restore(String containerId) {
        Optional<Ownerships.Versioned> read = ownerships.get(containerId).filter(this::mine);
        if (read.isEmpty()) {
            return;
        }
        OwnershipRecord bound = read.get().record();
        Instant started = Instant.now();
        Optional<Instant> liveSince = local.liveSince(containerId);
        if (liveSince.isPresent() && postCopyFromHere.test(containerId)) {
            LOG.infof("container %s runs here again after its post-copy failed; its migration reports it",
                    bound.name());
            return;
        }
        if (liveSince.isPresent()) {
            if (!isStale(liveSince.get(), bound)) {
                // this daemon restored it and died before it said so
                LOG.infof("container %s already runs here; reporting it", bound.name());
                StringBuilder note = new StringBuilder(
                        "found running after a daemon restart; the version it was restored from is not known");
                // the daemon may have died before it set the policy: setting it again is harmless
                takeOverPolicy(bound, note);
                finish(bound, 0, new VersionWalk.Result(Optional.empty(), List.of(), false), note.toString(), true,
                        started);
                return;
            }
            local.removeLocalCopy(containerId, "a copy older than its move to this node (epoch " + bound.epoch()
                    + "); it is restored from its newest checkpoint instead");
        }
        List<Long> versions = local.completeVersions(containerId);
        LOG.infof("restoring container %s (%s) moved from node %s, epoch %d; complete versions %s", bound.name(),
                containerId, bound.fromNode(), bound.epoch(), versions);
        VersionWalk.Result walk = VersionWalk.walk(versions, () -> stillBound(containerId, bound.epoch()),
                version -> local.restore(containerId, version));
        if (walk.abandoned()) {
            LOG.infof("container %s is no longer this node's to restore", bound.name());
            return;
        }
        if (walk.restored().isEmpty()) {
            String why = versions.isEmpty() ? "no complete checkpoint to restore it from on node " + nodeId
                    : "no checkpoint version could be restored on node " + nodeId + ": " + walk.skippedSummary();
            lose(containerId, bound.epoch(), why);
            return;
        }
        long version = walk.restored().get();
        StringBuilder note = new StringBuilder();
        if (!walk.skipped().isEmpty()) {
            note.append("restored version ").append(version).append(" after ").append(walk.skippedSummary());
            LOG.warnf("container %s: %s", bound.name(), note);
        }
        takeOverPolicy(bound, note);
        finish(bound, version, walk, note.toString(), false, started);
    }

    private static boolean isStale(Instant liveSince, OwnershipRecord bound) {
        return bound.updatedAt() != null && liveSince.isBefore(bound.updatedAt().minus(STALE_COPY_MARGIN));
    }

    private boolean stillBound(String containerId, long epoch) {
        return ownerships.get(containerId).filter(this::mine).map(v -> v.record().epoch() == epoch).orElse(false);
    }

    private void takeOverPolicy(OwnershipRecord bound, StringBuilder note) {
        if (bound.everyMillis() <= 0 || bound.keep() <= 0) {
            return;
        }
        try {
            local.applyPolicy(bound.containerId(), Duration.ofMillis(bound.everyMillis()), bound.keep(),
                    bound.constraints());
        } catch (RuntimeException e) {
            // it runs; without its policy it is not protected here, which the record and the log say
            LOG.errorf("container %s runs but its checkpoint policy could not be set on this node: %s",
                    bound.name(), e.getMessage());
            note.append(note.isEmpty() ? "" : "; ").append("its checkpoint policy could not be set here: ")
                    .append(e.getMessage());
        }
    }

    /** Reports the container running here; if it is no longer this node's, the copy made here goes again. */
    private void finish(OwnershipRecord bound, long version, VersionWalk.Result walk, String note, boolean recovered,
                        Instant started) {
        for (int attempt = 0; attempt < CAS_ATTEMPTS; attempt++) {
            Optional<Ownerships.Versioned> current = ownerships.get(bound.containerId());
            if (current.isEmpty() || !mine(current.get()) || current.get().record().epoch() != bound.epoch()) {
                String owner = current.map(v -> "owned by node " + v.record().node() + " since epoch "
                        + v.record().epoch() + " (" + v.record().state() + ")").orElse("its record is gone");
                local.removeLocalCopy(bound.containerId(), owner);
                return;
            }
            Instant now = Instant.now();
            OwnershipRecord running = recovered ? versionUnknown(current.get().record().running(0, note, now))
                    : current.get().record().running(version, note, now);
            if (ownerships.replace(current.get(), running).isPresent()) {
                LOG.infof("container %s failed over from node %s to node %s (version %d, epoch %d)", bound.name(),
                        bound.fromNode(), nodeId, version, bound.epoch());
                events.accept(announce.failedOver(running, version, walk.skipped(), now, recovered,
                        bound.updatedAt(), started));
                return;
            }
        }
        // the record keeps changing under us: the rescan comes back, finds the copy running and reports it
        LOG.warnf("container %s runs here but its record could not be updated; trying again later", bound.name());
    }

    /** The record of a move whose restored version this daemon did not live to write down: 0, never the last one's. */
    private static OwnershipRecord versionUnknown(OwnershipRecord r) {
        return new OwnershipRecord(r.containerId(), r.name(), r.node(), r.epoch(), r.state(), r.isProtected(),
                r.everyMillis(), r.keep(), r.constraints(), r.memoryBytes(), r.cpuMillis(), r.imageDigest(), r.rootfs(),
                r.arch(), r.criuVersion(), r.fromNode(), r.lostAt(), 0, r.reason(), r.updatedAt());
    }

    private void lose(String containerId, long epoch, String why) {
        for (int attempt = 0; attempt < CAS_ATTEMPTS; attempt++) {
            Optional<Ownerships.Versioned> current = ownerships.get(containerId);
            if (current.isEmpty() || !mine(current.get()) || current.get().record().epoch() != epoch) {
                return;
            }
            OwnershipRecord r = current.get().record();
            OwnershipRecord lost = r.lost(why, r.lostAt(), Instant.now());
            if (ownerships.replace(current.get(), lost).isPresent()) {
                LOG.errorf("container %s is lost: %s", r.name(), why);
                events.accept(announce.containerLost(lost));
                return;
            }
        }
    }
}
