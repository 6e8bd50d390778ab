package io.hydra.runtime.supervision;

import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import java.util.concurrent.ExecutorService;

import org.jboss.logging.Logger;

import io.hydra.events.EventType;
import io.hydra.events.HydraEvent;
import io.hydra.runtime.HydraConfig.OrphanPolicy;
import io.hydra.runtime.HydraException;
import io.hydra.runtime.container.Containers;
import io.hydra.runtime.state.ContainerRecord;
import io.hydra.runtime.state.ContainerStatus;
import io.hydra.runtime.state.Intent;
import io.hydra.runtime.state.StateStore.Change;
import io.hydra.spi.monitor.ExitReport;
import io.hydra.spi.monitor.MonitorHandle;
import io.hydra.spi.monitor.MonitorRecord;
import io.hydra.spi.monitor.ProcessIdentity;

/**
 * Supervision of running containers: records each exit once (from what the monitor recorded), notices a monitor
 * that died and handles the orphan it leaves by policy. Notifications arrive on background threads; one that finds
 * the container busy (a checkpoint holds its lock for minutes) leaves it to the periodic pass.
 */
public final class ExitSupervisor {
    private static final Logger LOG = Logger.getLogger(ExitSupervisor.class);
    /** How long a notification waits for a busy container before leaving it to the periodic pass. */
    private static final Duration NOTICE_WAIT = Duration.ofSeconds(1);
    private static final String ORPHAN_RESTART = "orphan-restart";

    /** Starts a container's bundle again under a new monitor; the caller holds its lock. */
    public interface Relauncher {
        ContainerRecord relaunch(ContainerRecord r, Intent.Kind kind, String reason);
    }

    /** What {@link #check} found. */
    public enum Outcome {
        RUNNING, EXITED, ORPHANED
    }

    private final Containers containers;
    private final OrphanPolicy orphanPolicy;
    private final ExecutorService background;
    private final Relauncher relauncher;
    /** Told of every exit once it is recorded (the restart policy and --rm act on it); never blocks. */
    private final java.util.function.Consumer<ContainerRecord> onExited;
    /** Containers a background check is queued or running for. */
    private final java.util.Set<String> checking = java.util.concurrent.ConcurrentHashMap.newKeySet();

    public ExitSupervisor(Containers containers, OrphanPolicy orphanPolicy, ExecutorService background,
                          Relauncher relauncher, java.util.function.Consumer<ContainerRecord> onExited) {
        this.containers = containers;
        this.orphanPolicy = orphanPolicy;
        this.background = background;
        this.relauncher = relauncher;
        this.onExited = onExited;
    }

    public ExitSupervisor(Containers containers, OrphanPolicy orphanPolicy, ExecutorService background,
                          Relauncher relauncher) {
        this(containers, orphanPolicy, background, relauncher, r -> { });
    }

    /** A monitor says the container may have exited: record the exit once. */
    public void onExitNotice(String id) {
        if (containers.store().byId(id).isEmpty()) {
            // a container removed with -f still makes its monitor write an exit status
            if (id.matches("[0-9a-f]{32}")) {
                containers.clearExitStatus(id, containers.layout().containers().resolve(id));
            }
            return;
        }
        boolean done = containers.locks().tryWith(id, NOTICE_WAIT, () -> {
            // removed (rm -f) while this notification waited
            containers.store().byId(id).ifPresent(current -> recordExitIfAny(current, ""));
            return true;
        }).isPresent();
        if (!done) {
            LOG.debugf("container %s is busy; its exit is left to the next reconcile pass", id);
        }
    }

    /** Supervises the container through this monitor from now on. */
    public void watch(ContainerRecord r, MonitorHandle handle) {
        containers.putHandle(r.id(), handle);
        handle.monitorExit().thenRunAsync(() -> onMonitorGone(r.id(), handle), background);
    }

    private void onMonitorGone(String id, MonitorHandle gone) {
        containers.locks().tryWith(id, NOTICE_WAIT, () -> {
            ContainerRecord r = containers.store().byId(id).orElse(null);
            if (r == null || !r.status().live() || r.status() == ContainerStatus.orphaned
                    || containers.handle(id) != gone) {
                return null;
            }
            return check(r);
        });
    }

    /** Caller holds the lock. Returns true when an exit was found (and recorded now or before). */
    public boolean recordExitIfAny(ContainerRecord r, String reason) {
        if (!r.status().live()) {
            return r.status() == ContainerStatus.exited;
        }
        Optional<ExitReport> status = containers.monitorOf(r).exitStatus(r.id(), r.containerDir());
        if (status.isEmpty()) {
            return false;
        }
        ExitReport s = status.get();
        boolean oom = s.oomKilled() || Integer.valueOf(137).equals(s.code())
                && OomEvidence.oomKilled(containers.layout().runtimeState().resolve(r.id()));
        ContainerRecord exited = r.exited(s.code(), s.signal(), oom,
                oom ? "oom-killed" : reason.isEmpty() ? null : reason, Instant.now());
        HydraEvent exitEvent = containers.event(EventType.CONTAINER_EXITED, exited);
        if (oom) {
            containers.store().commit(Change.put(exited, containers.event(EventType.CONTAINER_OOM, exited), exitEvent));
        } else {
            containers.store().commit(Change.put(exited, exitEvent));
        }
        finishExit(exited);
        return true;
    }

    private void finishExit(ContainerRecord exited) {
        containers.dropHandle(exited.id());
        try {
            containers.runtime().delete(exited.id(), true);
        } catch (HydraException e) {
            LOG.warnf("runc delete of exited %s: %s", exited.name(), e.getMessage());
        }
        containers.exitFuture(exited.id()).complete(exited);
        onExited.accept(exited);
    }

    private void recordVanished(ContainerRecord r, String reason) {
        ContainerRecord exited = r.exited(null, null, false, reason, Instant.now());
        containers.store().commit(Change.put(exited, containers.event(EventType.CONTAINER_EXITED, exited)));
        finishExit(exited);
    }

    /**
     * Read only, no lock: whether {@link #check} would find something to do (an exit recorded, a monitor or an
     * orphan's init gone). The periodic pass asks this and hands the work to {@link #checkInBackground}, so a
     * slow runtime call for one container never holds up the pass for the others.
     */
    public boolean needsCheck(ContainerRecord r) {
        if (!r.status().live()) {
            return false;
        }
        MonitorRecord m = r.monitorRecord();
        if (m == null) {
            return true;
        }
        if (r.status() == ContainerStatus.orphaned) {
            return !m.container().isAlive();
        }
        return !m.monitor().isAlive() || containers.monitorOf(r).exitStatus(r.id(), r.containerDir()).isPresent();
    }

    /**
     * Runs {@link #check} on the background executor under the container's lock, at most one at a time per
     * container; a container busy then is left to a later pass.
     */
    public void checkInBackground(String id) {
        if (!checking.add(id)) {
            return;
        }
        try {
            background.execute(() -> {
                try {
                    containers.locks().tryWith(id, () -> {
                        ContainerRecord now = containers.store().byId(id).orElse(null);
                        return now != null && now.status().live() ? check(now) : null;
                    });
                } catch (RuntimeException e) {
                    LOG.warnf("check of container %s: %s", id, e.getMessage());
                } finally {
                    checking.remove(id);
                }
            });
        } catch (RuntimeException e) {
            checking.remove(id);
            throw e;
        }
    }

    /**
     * Settles one live container from what is on the host: its recorded exit, its init process, its monitor. The
     * caller holds its lock.
     */
    public Outcome check(ContainerRecord r) {
        if (recordExitIfAny(r, "")) {
            return Outcome.EXITED;
        }
        MonitorRecord m = r.monitorRecord();
        boolean containerAlive = m != null && m.container().isAlive();
        boolean monitorAlive = m != null && m.monitor().isAlive();
        if (r.status() == ContainerStatus.orphaned) {
            if (!containerAlive) {
                recordVanished(r, "exited without a monitor: exit status unknown");
                return Outcome.EXITED;
            }
            return Outcome.ORPHANED;
        }
        if (monitorAlive) {
            return Outcome.RUNNING;
        }
        // the monitor is gone; it may have recorded the exit just before dying
        if (recordExitIfAny(containers.current(r.id()), "")) {
            return Outcome.EXITED;
        }
        if (!containerAlive) {
            recordVanished(r, "container and monitor vanished without an exit status");
            return Outcome.EXITED;
        }
        return handleOrphan(r);
    }

    private Outcome handleOrphan(ContainerRecord r) {
        LOG.warnf("monitor of container %s (pid %d) died; the container runs on; policy %s", r.name(),
                r.monitorRecord().monitor().pid(), orphanPolicy);
        containers.dropHandle(r.id());
        ContainerRecord orphan = r.orphaned();
        Change change = Change.put(orphan, containers.event(EventType.CONTAINER_ORPHANED, orphan, "policy",
                orphanPolicy.name()));
        if (orphanPolicy == OrphanPolicy.keep) {
            containers.store().commit(change);
            return Outcome.ORPHANED;
        }
        // the relaunch is under way from here: a crash before it is done leaves the intent for recovery to finish
        containers.store().commit(change.with(Intent.of(r.id(), Intent.Kind.relaunch, java.util.Map.of("reason",
                ORPHAN_RESTART))));
        try {
            containers.runtime().kill(r.id(), "SIGKILL");
        } catch (HydraException e) {
            LOG.warnf("kill of orphan %s: %s", r.name(), e.getMessage());
        }
        awaitGone(r.monitorRecord().container(), Duration.ofSeconds(10));
        relauncher.relaunch(containers.current(r.id()), Intent.Kind.relaunch, ORPHAN_RESTART);
        return Outcome.ORPHANED;
    }

    /** Waits (bounded) for a process to be gone; polls, since it need not be our child. */
    public static void awaitGone(ProcessIdentity process, Duration timeout) {
        if (process == null) {
            return;
        }
        long deadline = System.nanoTime() + timeout.toNanos();
        while (process.isAlive() && System.nanoTime() < deadline) {
            try {
                Thread.sleep(20);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }
}
