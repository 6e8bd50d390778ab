package io.hydra.runtime.migration;

import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;

import org.jboss.logging.Logger;

import io.hydra.runtime.cluster.OwnershipRecord;
import io.hydra.runtime.cluster.OwnershipRecord.State;
import io.hydra.runtime.cluster.Ownerships;
import io.hydra.runtime.cluster.failover.LocalRestores;
import io.hydra.spi.cluster.CoordinatorException;
import io.hydra.spi.cluster.Subscription;

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
    private final Set<String> inFlight = ConcurrentHashMap.newKeySet();
    private final ExecutorService workers;
    private final ScheduledExecutorService rescans;
    private volatile Subscription watch;

    /** @param member whether this node is a confirmed member now: a node that may be cut off restores nothing */
    public MigrationTarget(Ownerships ownerships, LocalRestores local, String nodeId, BooleanSupplier member) {
        this.ownerships = ownerships;
        this.local = local;
        this.nodeId = nodeId;
        this.member = member;
        AtomicInteger n = new AtomicInteger();
        this.workers = Executors.newFixedThreadPool(2, r -> {
            Thread t = new Thread(r, "hydra-migration-restore-" + n.incrementAndGet());
            t.setDaemon(true);
            return t;
        });
        this.rescans = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "hydra-migration-rescan");
            t.setDaemon(true);
            return t;
        });
    }

    public void start() {
        watch = ownerships.watch(change -> {
            try {
                change.current().filter(this::mine).ifPresent(v -> submit(v.record().containerId()));
            } catch (RuntimeException e) {
                LOG.errorf("cannot act on the change of ownership record %s: %s", change.containerId(),
                        e.getMessage());
            }
        });
        rescans.scheduleWithFixedDelay(this::rescan, 0, RESCAN_EVERY.toMillis(), TimeUnit.MILLISECONDS);
    }

    @Override
    public void close() {
        Subscription w = watch;
        if (w != null) {
            w.close();
        }
        rescans.shutdownNow();
        workers.shutdown();
        try {
            if (!workers.awaitTermination(30, TimeUnit.SECONDS)) {
                workers.shutdownNow();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            workers.shutdownNow();
        }
    }

    private boolean mine(Ownerships.Versioned v) {
        return v.record().state() == State.MIGRATING && v.record().node().equals(nodeId);
    }

    private void rescan() {
        try {
            ownerships.all().stream().filter(this::mine).forEach(v -> submit(v.record().containerId()));
        } catch (CoordinatorException e) {
            LOG.debugf("cannot look for migrated containers to restore: %s", e.getMessage());
        } catch (RuntimeException e) {
            LOG.errorf(e, "looking for migrated containers to restore failed");
        }
    }

    private void submit(String containerId) {
        if (!inFlight.add(containerId)) {
            return;
        }
        try {
            workers.execute(() -> {
                try {
                    restore(containerId);
                } catch (CoordinatorException e) {
                    LOG.warnf("restore of migrated %s interrupted, the coordinator failed: %s", containerId,
                            e.getMessage());
                } catch (RuntimeException e) {
                    LOG.errorf(e, "restore of migrated %s failed", containerId);
                } finally {
                    inFlight.remove(containerId);
                }
            });
        } catch (java.util.concurrent.RejectedExecutionException e) {
            inFlight.remove(containerId);
        }
    }

    /** Restores one container handed to this node, from wherever an earlier attempt got to. */
    void restore(String containerId) {
        Optional<Ownerships.Versioned> read = ownerships.get(containerId).filter(this::mine);
        if (read.isEmpty() || !member.getAsBoolean()) {
            return;
        }
        OwnershipRecord handed = read.get().record();
        long version = handed.restoredVersion();
        if (local.liveSince(containerId).isEmpty()) {
            LOG.infof("restoring migrated container %s (%s) from node %s: version %d, epoch %d", handed.name(),
                    containerId, handed.fromNode(), version, handed.epoch());
            try {
                local.restore(containerId, version);
            } catch (RuntimeException e) {
                giveBack(containerId, handed.epoch(), "node " + nodeId + " could not restore version " + version
                        + ": " + e.getMessage());
                return;
            }
        } else {
            LOG.infof("migrated container %s already runs here (restored before a daemon restart); reporting it",
                    handed.name());
        }
        report(handed, version);
    }

    private void report(OwnershipRecord handed, long version) {
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
            OwnershipRecord running = current.get().record().running(version, note.toString(), Instant.now());
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
