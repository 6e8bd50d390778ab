package io.hydra.runtime.recovery;

import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import org.jboss.logging.Logger;

import io.hydra.events.EventType;
import io.hydra.events.HydraEvent;
import io.hydra.runtime.HydraException;
import io.hydra.runtime.container.ContainerService;
import io.hydra.runtime.container.Containers;
import io.hydra.runtime.container.RuntimeState;
import io.hydra.runtime.state.ContainerRecord;
import io.hydra.runtime.state.ContainerStatus;
import io.hydra.runtime.state.Intent;
import io.hydra.runtime.state.StateStore.Change;
import io.hydra.runtime.supervision.ExitSupervisor;
import io.hydra.spi.monitor.MonitorHandle;
import io.hydra.spi.monitor.MonitorRecord;
import io.hydra.spi.monitor.ProcessIdentity;

/**
 * What a daemon does with the containers it finds at start-up, and the periodic pass behind the notifications:
 * re-adopt every monitor, record exits that happened while it was down, roll back half-made containers, and settle
 * every intent a crash left against what the runtime itself reports ({@code runc state}): a container that runs is
 * recorded running, whatever its record said.
 */
public final class ContainerRecovery {
    private static final Logger LOG = Logger.getLogger(ContainerRecovery.class);

    /** A summary of a recovery pass, for the daemon.recovered event and the logs. */
    public record Summary(int adopted, int exitedWhileDown, int orphaned, int rolledBack, int intentsSettled) {
    }

    private final Containers containers;
    private final ContainerService lifecycle;
    private final ExitSupervisor supervisor;
    /** Containers the periodic pass found busy and said so; logged once per busy spell. */
    private final java.util.Set<String> reportedBusy = java.util.concurrent.ConcurrentHashMap.newKeySet();

    public ContainerRecovery(ContainerService lifecycle) {
        this.lifecycle = lifecycle;
        this.containers = lifecycle.containers();
        this.supervisor = lifecycle.supervisor();
    }

    /**
     * Run once at start-up, before the API serves. Containers with a checkpoint intent are left to
     * {@link CheckpointRecovery}, which needs the checkpoint repository.
     */
    public Summary recover() {
        int[] counts = new int[5];
        for (ContainerRecord r : containers.store().all()) {
            containers.locks().run(r.id(), () -> recoverOne(r, counts));
        }
        Summary summary = new Summary(counts[0], counts[1], counts[2], counts[3], counts[4]);
        containers.store().commit(Change.events(HydraEvent.of(EventType.DAEMON_RECOVERED, containers.nodeId(), "",
                Map.of("adopted", summary.adopted(), "exitedWhileDown", summary.exitedWhileDown(),
                        "orphaned", summary.orphaned(), "rolledBack", summary.rolledBack(),
                        "intentsSettled", summary.intentsSettled()))));
        return summary;
    }

    private void recoverOne(ContainerRecord found, int[] counts) {
        ContainerRecord r = found;
        if (r.status() == ContainerStatus.creating) {
            containers.discard(r);
            counts[3]++;
            return;
        }
        Optional<Intent> intent = containers.store().intent(r.id());
        if (intent.isPresent()) {
            if (intent.get().kind() == Intent.Kind.checkpoint) {
                return;
            }
            settle(r, intent.get());
            counts[4]++;
            r = containers.store().byId(r.id()).orElse(null);
            if (r == null) {
                return;
            }
        }
        if (!r.status().live()) {
            // it exited before this daemon started, and its policy (restart, --rm) may not have been applied
            lifecycle.restarts().exited(r);
            return;
        }
        switch (adoptAndCheck(r)) {
            case EXITED -> counts[1]++;
            case ORPHANED -> counts[2]++;
            case RUNNING -> counts[0]++;
        }
    }

    /** Re-attaches to the container's monitor and settles it from the host. The caller holds its lock. */
    public Optional<ExitSupervisor.Outcome> adoptAndCheckIfLive(ContainerRecord r) {
        return r.status().live() ? Optional.of(adoptAndCheck(r)) : Optional.empty();
    }

    /** The caller holds the lock and has checked that the record is live. */
    private ExitSupervisor.Outcome adoptAndCheck(ContainerRecord r) {
        if (r.status() != ContainerStatus.orphaned && r.monitorRecord() != null
                && r.monitorRecord().monitor().isAlive()) {
            MonitorHandle handle = containers.monitorOf(r).adopt(r.monitorRecord());
            supervisor.watch(r, handle);
        }
        return supervisor.check(r);
    }

    /**
     * Settles a start, restart, relaunch or restore that a crash interrupted. The caller holds the lock. A container
     * the runtime reports alive is recorded as running under the monitor that supervises it (found by the strategy
     * when the record never named it); a start left at "created" and a relaunch left undone are finished.
     */
    public void settle(ContainerRecord r, Intent intent) {
        Optional<RuntimeState> state = runtimeState(r);
        Optional<ProcessIdentity> init = state.filter(RuntimeState::live).flatMap(s -> ProcessIdentity.of(s.pid()));
        if (init.isPresent()) {
            Optional<MonitorRecord> monitor = monitorFor(r, intent, init.get());
            if (monitor.isPresent()) {
                settleRunning(r, intent, state.get(), monitor.get());
                return;
            }
            LOG.warnf("container %s runs (pid %d) but no monitor supervises it; taking it down", r.name(),
                    init.get().pid());
            deleteQuietly(r);
        }
        containers.store().commit(Change.settled(r.id()));
        LOG.infof("settled the interrupted %s of %s: the runtime has no live container", intent.kind(), r.name());
        boolean relaunch = intent.kind() == Intent.Kind.restart || intent.kind() == Intent.Kind.relaunch;
        if (relaunch && (!r.status().live() || r.status() == ContainerStatus.orphaned)) {
            try {
                lifecycle.relaunch(containers.current(r.id()), intent.kind(), intent.data().getOrDefault("reason",
                        intent.kind().name()));
            } catch (HydraException e) {
                LOG.errorf("cannot finish the interrupted %s of %s: %s", intent.kind(), r.name(), e.getMessage());
            }
        }
    }

    private void settleRunning(ContainerRecord r, Intent intent, RuntimeState state, MonitorRecord monitor) {
        if ("created".equals(state.status()) && intent.kind() != Intent.Kind.restore) {
            // the start was under way: finish it (the caller asked for a running container)
            containers.runtime().start(r.id());
        }
        ContainerStatus status = "paused".equals(state.status()) ? ContainerStatus.paused : ContainerStatus.running;
        Instant now = Instant.now();
        ContainerRecord settled = switch (intent.kind()) {
            case start -> r.started(now);
            case restore -> r.launched(r.monitor(), monitor).started(now);
            default -> r.monitorRecord() != null && r.monitorRecord().equals(monitor) && r.status().live()
                    ? r : r.restarted(r.monitor(), monitor, now);
        };
        settled = settled.withStatus(status);
        String type = intent.kind() == Intent.Kind.restore ? EventType.CONTAINER_RESTORED : EventType.CONTAINER_STARTED;
        containers.newRun(r.id());
        containers.store().commit(Change.put(settled, containers.event(type, settled, "reason", "recovered-"
                + intent.kind())).settling(r.id()));
        LOG.infof("settled the interrupted %s of %s: it runs (pid %d)", intent.kind(), r.name(), monitor.container().pid());
    }

    /**
     * The record's monitor when it names this very process (for a start, even a dead one: supervision then handles
     * the orphan by policy); else the live one the strategy finds for it.
     */
    private Optional<MonitorRecord> monitorFor(ContainerRecord r, Intent intent, ProcessIdentity init) {
        MonitorRecord known = r.monitorRecord();
        if (known != null && known.container().equals(init)
                && (intent.kind() == Intent.Kind.start || known.monitor().isAlive())) {
            return Optional.of(known);
        }
        return containers.monitorOf(r).locate(containers.launchRequest(r, Optional.empty(), List.of()), init);
    }

    private Optional<RuntimeState> runtimeState(ContainerRecord r) {
        try {
            return containers.runtime().state(r.id());
        } catch (HydraException e) {
            LOG.warnf("runc state %s: %s", r.name(), e.getMessage());
            return Optional.empty();
        }
    }

    private void deleteQuietly(ContainerRecord r) {
        try {
            containers.runtime().delete(r.id(), true);
        } catch (HydraException e) {
            LOG.warnf("runc delete of %s: %s", r.name(), e.getMessage());
        }
    }

    /**
     * The periodic pass: catches what notifications missed (inotify overflow, a monitor that died unseen). It only
     * reads: a container that needs settling (its exit recorded, an orphan relaunched) is handed to the background
     * executor, which takes its lock, so one slow runtime call never stalls the pass for the others. A container
     * whose lock is held (a checkpoint can hold it for minutes) is skipped until the next pass. Returns how many were
     * skipped as busy.
     */
    public int reconcile() {
        int skipped = 0;
        for (ContainerRecord r : containers.store().all()) {
            if (!r.status().live()) {
                continue;
            }
            try {
                if (containers.locks().busy(r.id())) {
                    skipped++;
                    if (reportedBusy.add(r.id())) {
                        LOG.infof("reconcile: container %s is busy (a long operation holds it); it is checked again"
                                + " on a later pass, the others now", r.name());
                    }
                    continue;
                }
                reportedBusy.remove(r.id());
                if (supervisor.needsCheck(r)) {
                    supervisor.checkInBackground(r.id());
                }
            } catch (RuntimeException e) {
                LOG.warnf("reconcile of %s: %s", r.name(), e.getMessage());
            }
        }
        return skipped;
    }
}
