package io.hydra.runtime.container;

import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Consumer;
import java.util.function.Function;

import org.jboss.logging.Logger;

import io.hydra.events.EventType;
import io.hydra.events.HydraEvent;
import io.hydra.runtime.HydraConfig.OrphanPolicy;
import io.hydra.runtime.HydraException;
import io.hydra.runtime.recovery.CrashPoint;
import io.hydra.runtime.state.ContainerRecord;
import io.hydra.runtime.state.ContainerStatus;
import io.hydra.runtime.state.Intent;
import io.hydra.runtime.state.RunOptions;
import io.hydra.runtime.state.StateStore;
import io.hydra.runtime.state.StateStore.Change;
import io.hydra.runtime.supervision.ExitSupervisor;
import io.hydra.runtime.supervision.RestartPolicyEnforcer;
import io.hydra.spi.monitor.AttachSession;
import io.hydra.spi.monitor.LogCursor;
import io.hydra.spi.monitor.MonitorException;
import io.hydra.spi.monitor.MonitorHandle;

/**
 * The container lifecycle verbs. Every change is written (record and events in one transaction) before it is
 * acknowledged, and a change that spans a runtime call writes an {@link Intent} first and settles it with its
 * outcome, so the daemon can be killed at any point: the monitors keep the containers alive, and recovery settles
 * what was under way against the runtime's own state.
 */
public final class ContainerService {
    private static final Logger LOG = Logger.getLogger(ContainerService.class);
    private final Containers containers;
    private final StateStore store;
    private final OciRuntime runtime;
    private final ContainerLocks locks;
    private final ExitSupervisor supervisor;
    private final int defaultStopTimeout;
    private final Object createLock = new Object();
    private final ImageRestorer restorer;
    private final RestartPolicyEnforcer restarts;
    private final ContainerCreation creation;

    public ContainerService(Containers containers, OrphanPolicy orphanPolicy, int defaultStopTimeout,
                            ExecutorService background) {
        this.containers = containers;
        this.store = containers.store();
        this.runtime = containers.runtime();
        this.locks = containers.locks();
        this.defaultStopTimeout = defaultStopTimeout;
        this.restarts = new RestartPolicyEnforcer(containers, this::relaunch, id -> remove(id, true));
        this.supervisor = new ExitSupervisor(containers, orphanPolicy, background, this::relaunch, restarts::exited);
        this.restorer = new ImageRestorer(containers, supervisor, createLock);
        this.creation = new ContainerCreation(containers, supervisor, createLock);
    }

    public Containers containers() {
        return containers;
    }

    public ExitSupervisor supervisor() {
        return supervisor;
    }

    /** Applies restart policies and --rm to exits; recovery hands it the containers that exited while down. */
    public RestartPolicyEnforcer restarts() {
        return restarts;
    }

    // ---- queries

    public ContainerRecord find(String nameOrId) {
        return containers.find(nameOrId);
    }

    public List<ContainerRecord> list(boolean all) {
        return containers.list(all);
    }

    public boolean isMonitorChild(ContainerRecord r) {
        MonitorHandle h = containers.handle(r.id());
        return h != null && h.isChildOfThisDaemon();
    }

    /** A non-blocking cursor at the start of the container's log; its monitor knows the log's format. */
    public LogCursor openLog(ContainerRecord r) {
        return containers.monitorOf(r).openLog(r.logFile());
    }

    // ---- create, start, run

    /** See {@link ContainerCreation#create}. */
    public ContainerRecord create(CreateSpec requested) {
        return creation.create(requested);
    }

    public ContainerRecord start(String nameOrId) {
        ContainerRecord found = find(nameOrId);
        return locks.with(found.id(), () -> {
            ContainerRecord r = containers.current(found.id());
            if (r.status() != ContainerStatus.created) {
                throw HydraException.conflict("container " + r.name() + " is " + r.status() + "; only a created"
                        + " container can be started (use restart for an exited one)");
            }
            containers.awaitingRun(r.id());
            store.commit(Change.intent(Intent.of(r.id(), Intent.Kind.start, Map.of())));
            CrashPoint.at("start.intent-written");
            try {
                runtime.start(r.id());
            } catch (HydraException e) {
                store.commit(Change.settled(r.id()));
                throw e;
            }
            CrashPoint.at("start.runtime-started");
            ContainerRecord started = r.started(Instant.now());
            store.commit(Change.put(started, containers.event(EventType.CONTAINER_STARTED, started)).settling(r.id()));
            return started;
        });
    }

    public ContainerRecord run(CreateSpec spec) {
        ContainerRecord created = create(spec);
        try {
            return start(created.id());
        } catch (HydraException e) {
            remove(created.id(), true);
            throw e;
        }
    }

    // ---- signals and states

    public ContainerRecord kill(String nameOrId, String signal) {
        ContainerRecord found = find(nameOrId);
        String sig = Signals.normalize(signal == null || signal.isEmpty() ? "KILL" : signal);
        locks.run(found.id(), () -> {
            ContainerRecord r = containers.current(found.id());
            requireLive(r, "killed");
            if (!r.options().manuallyStopped()) {
                // written before the signal: the exit it causes must never look like one the policy restarts
                r = r.withOptions(r.options().withManuallyStopped(true));
                store.commit(Change.put(r));
            }
            runtime.kill(r.id(), sig);
            if (r.status() == ContainerStatus.paused && ("SIGKILL".equals(sig) || "SIGTERM".equals(sig))) {
                // a frozen process cannot act on a signal until it is thawed
                resumeQuietly(r);
            }
        });
        return containers.current(found.id());
    }

    public ContainerRecord stop(String nameOrId, int timeoutSeconds) {
        ContainerRecord r = find(nameOrId);
        if (!r.status().live()) {
            return r;
        }
        int timeout = timeoutSeconds < 0 ? defaultStopTimeout : timeoutSeconds;
        CompletableFuture<ContainerRecord> exit = containers.exitFuture(r.id());
        try {
            kill(r.id(), "TERM");
        } catch (HydraException e) {
            if (!containers.current(r.id()).status().live()) {
                return containers.current(r.id());
            }
            throw e;
        }
        if (awaitExit(exit, Duration.ofSeconds(timeout)).isEmpty()) {
            try {
                kill(r.id(), "KILL");
            } catch (HydraException e) {
                if (containers.current(r.id()).status().live()) {
                    throw e;
                }
            }
            if (awaitExit(exit, Duration.ofSeconds(30)).isEmpty()) {
                throw HydraException.failed("container " + r.name() + " did not exit after SIGKILL");
            }
        }
        return containers.current(r.id());
    }

    public ContainerRecord pause(String nameOrId) {
        return pause(nameOrId, new Object[0]);
    }

    /** Pauses; {@code eventData} (key, value, ...) goes into the event (fencing says why it froze it). */
    public ContainerRecord pause(String nameOrId, Object... eventData) {
        return transition(nameOrId, ContainerStatus.running, ContainerStatus.paused, runtime::pause,
                EventType.CONTAINER_PAUSED, eventData);
    }

    public ContainerRecord resume(String nameOrId) {
        return resume(nameOrId, new Object[0]);
    }

    /** Resumes; {@code eventData} (key, value, ...) goes into the event. */
    public ContainerRecord resume(String nameOrId, Object... eventData) {
        return transition(nameOrId, ContainerStatus.paused, ContainerStatus.running, runtime::resume,
                EventType.CONTAINER_RESUMED, eventData);
    }

    /** A runtime operation allowed in one status, leading to another, recorded with its event. */
    private ContainerRecord transition(String nameOrId, ContainerStatus from, ContainerStatus to,
                                       Consumer<String> operation, String eventType, Object... eventData) {
        ContainerRecord found = find(nameOrId);
        return locks.with(found.id(), () -> {
            ContainerRecord r = containers.current(found.id());
            if (r.status() != from) {
                throw HydraException.conflict("container " + r.name() + " is " + r.status() + ", not " + from);
            }
            operation.accept(r.id());
            ContainerRecord changed = r.withStatus(to);
            store.commit(Change.put(changed, containers.event(eventType, changed, eventData)));
            return changed;
        });
    }

    /**
     * Refuses {@code verb} while a checkpoint of the container is under way (its intent is open): the two would
     * share the one intent a container has, and the second to finish would erase what the first recorded.
     */
    public static void refuseDuringCheckpoint(StateStore store, ContainerRecord r, String verb) {
        store.intent(r.id()).filter(i -> i.kind() == Intent.Kind.checkpoint).ifPresent(i -> {
            throw HydraException.conflict("cannot " + verb + " container " + r.name() + ": a checkpoint of it is in"
                    + " progress (started " + i.at() + ", image staged at " + i.get(Intent.IMAGE)
                    + "); try again once it finished");
        });
    }

    public ContainerRecord restart(String nameOrId, int timeoutSeconds) {
        refuseDuringCheckpoint(store, find(nameOrId), "restart");
        ContainerRecord stopped = stop(nameOrId, timeoutSeconds);
        return locks.with(stopped.id(), () -> {
            ContainerRecord r = containers.current(stopped.id());
            // a restart's intent would replace the checkpoint's, which says where its image is
            refuseDuringCheckpoint(store, r, "restart");
            if (r.status().live()) {
                throw HydraException.conflict("container " + r.name() + " is " + r.status() + " again; not restarting");
            }
            // the user asks for it to run again: its restart policy applies to its next exit
            return relaunch(r.withOptions(r.options().withManuallyStopped(false)), Intent.Kind.restart, "restart");
        });
    }

    /**
     * Starts the container's bundle again under a new monitor: a restart, or an orphan's relaunch. The caller holds
     * its lock. The intent comes first: recovery finishes a relaunch that a crash interrupted.
     */
    public ContainerRecord relaunch(ContainerRecord r, Intent.Kind kind, String reason) {
        store.commit(Change.intent(Intent.of(r.id(), kind, Map.of("reason", reason))));
        CrashPoint.at("relaunch.intent-written");
        MonitorHandle handle;
        try {
            // the old run's runtime state and recorded exit would otherwise end the new run at once
            runtime.delete(r.id(), true);
            containers.clearExitStatus(r.id(), r.containerDir());
            // after a host reboot an image container's root is no longer mounted
            containers.imageRoots().remount(r);
            handle = containers.monitorOf(r).launch(containers.launchRequest(r, Optional.empty(), List.of()));
        } catch (RuntimeException e) {
            store.commit(Change.settled(r.id()));
            throw HydraException.failed("cannot restart container " + r.name() + ": " + e.getMessage());
        }
        CrashPoint.at("relaunch.monitor-launched");
        containers.newRun(r.id());
        try {
            runtime.start(r.id());
        } catch (HydraException e) {
            runtime.delete(r.id(), true);
            store.commit(Change.settled(r.id()));
            throw HydraException.failed("cannot restart container " + r.name() + ": " + e.getMessage());
        }
        CrashPoint.at("relaunch.runtime-started");
        ContainerRecord restarted = r.restarted(r.monitor(), handle.record(), Instant.now());
        store.commit(Change.put(restarted, containers.event(EventType.CONTAINER_STARTED, restarted, "reason", reason))
                .settling(r.id()));
        supervisor.watch(restarted, handle);
        return restarted;
    }

    public String remove(String nameOrId, boolean force) {
        return remove(nameOrId, force, new Object[0]);
    }

    /**
     * Removes the container; {@code eventData} (key, value, ...) goes into its removal event, so a removal the
     * daemon decided on (a stale copy of a container that runs elsewhere now) says why.
     */
    public String remove(String nameOrId, boolean force, Object... eventData) {
        ContainerRecord found = find(nameOrId);
        return locks.with(found.id(), () -> {
            ContainerRecord r = containers.current(found.id());
            if (r.status().live() && r.status() != ContainerStatus.created && !force) {
                throw HydraException.conflict("container " + r.name() + " is " + r.status()
                        + ": stop it first or remove it with -f");
            }
            if (store.intent(r.id()).filter(i -> i.kind() == Intent.Kind.checkpoint).isPresent()
                    && r.status() == ContainerStatus.checkpointed && !force) {
                throw HydraException.conflict("container " + r.name() + " has a checkpoint that is not committed"
                        + " (its image is kept at " + store.intent(r.id()).get().get(Intent.IMAGE)
                        + "): restore it, or remove it with -f to drop that image");
            }
            runtime.delete(r.id(), true);
            if (r.status() == ContainerStatus.orphaned) {
                // no monitor will report this exit: wait for the init process ourselves
                ExitSupervisor.awaitGone(r.monitorRecord() == null ? null : r.monitorRecord().container(),
                        Duration.ofSeconds(10));
            }
            try {
                containers.imageRoots().release(r);
            } catch (HydraException e) {
                throw HydraException.failed("cannot remove container " + r.name() + ": its root cannot be removed ("
                        + e.getMessage() + "); it stays, try again");
            }
            Optional<Intent> kept = store.intent(r.id()).filter(i -> i.kind() == Intent.Kind.checkpoint);
            store.commit(Change.delete(r.id(), containers.event(EventType.CONTAINER_REMOVED, r, eventData)));
            // removed with -f: the uncommitted checkpoint's image goes with it
            kept.map(i -> i.get(Intent.IMAGE)).ifPresent(image -> Containers.deleteTree(Path.of(image)));
            Containers.deleteTree(r.containerDir());
            containers.clearExitStatus(r.id(), r.containerDir());
            containers.removed(r);
            return r.id();
        });
    }

    /** Connects to the stdio of a running container through its monitor. */
    public AttachSession attach(String nameOrId, AttachSession.Listener listener) {
        ContainerRecord r = find(nameOrId);
        if (r.status() != ContainerStatus.running && r.status() != ContainerStatus.created
                && r.status() != ContainerStatus.paused) {
            throw HydraException.conflict("container " + r.name() + " is " + r.status()
                    + (r.status() == ContainerStatus.orphaned ? ": its monitor is gone, so nothing holds its stdio" : "")
                    + "; only a created or running container can be attached");
        }
        try {
            return containers.monitorOf(r).attach(r.monitorRecord(), listener);
        } catch (MonitorException e) {
            throw HydraException.failed(e.getMessage());
        }
    }

    // ---- checkpoint support (the dump and the repository live in CheckpointService)

    /** Runs {@code action} on the container's current record while holding its lock. */
    public <T> T locked(String id, Function<ContainerRecord, T> action) {
        return locks.with(id, () -> action.apply(containers.current(id)));
    }

    /**
     * After a dump that stopped the container: it is {@code checkpointed}, not exited, and {@code intent} (where
     * its image is) is written in the same transaction. Waits for its monitor to go and clears what the monitor
     * recorded (its exit would otherwise mark a later restore as exited). The caller holds the lock.
     */
    public ContainerRecord markCheckpointed(ContainerRecord r, Intent intent, HydraEvent... events) {
        ContainerRecord checkpointed = r.withStatus(ContainerStatus.checkpointed);
        Change change = new Change(List.of(checkpointed), List.of(), List.of(events));
        store.commit(intent == null ? change : change.with(intent));
        containers.dropHandle(r.id());
        ExitSupervisor.awaitGone(r.monitorRecord() == null ? null : r.monitorRecord().monitor(), Duration.ofSeconds(10));
        try {
            runtime.delete(r.id(), true);
        } catch (RuntimeException e) {
            // the record already says checkpointed and the image holds the processes: a leftover runtime entry is
            // removed by the restore (which deletes it first), so failing here would only lose the image
            LOG.warnf("runc delete of checkpointed %s failed: %s", r.name(), e.getMessage());
        }
        containers.clearExitStatus(r.id(), r.containerDir());
        containers.exitFuture(r.id()).complete(checkpointed);
        return checkpointed;
    }

    /** A record for a container that exists only in a checkpoint (restored on another node, or --as NEW). */
    public ContainerRecord newRecordForRestore(String id, String name, String monitorName, List<String> command,
                                               boolean interactive) {
        return newRecordForRestore(id, name, monitorName, command, interactive, RunOptions.NONE);
    }

    /** As the other, for a container whose record keeps {@code options} (the image it runs, for one). */
    public ContainerRecord newRecordForRestore(String id, String name, String monitorName, List<String> command,
                                               boolean interactive, RunOptions options) {
        ContainerNames.validate(name);
        MonitorStrategies monitors = containers.monitors();
        String monitor = monitorName == null || monitorName.isEmpty() ? monitors.defaultName() : monitorName;
        monitors.get(monitor);
        Path containerDir = containers.layout().containers().resolve(id);
        return new ContainerRecord(id, name, ContainerStatus.creating, monitor, null, containerDir,
                containerDir.resolve("bundle"), null, command, interactive, 0, null, null, false, null,
                containers.nodeId(), Instant.now(), null, null, 0, options);
    }

    public static String newContainerId() {
        return Containers.newId();
    }

    /**
     * Brings a container back from a verified checkpoint image under a new monitor; see
     * {@link ImageRestorer#restore}. Returns the running container.
     */
    public ContainerRecord restoreFromImage(ContainerRecord target, byte[] bundleConfig, Path image,
                                            List<String> restoreOptions, Map<String, Object> eventData) {
        return restorer.restore(target, bundleConfig, image, restoreOptions, eventData, () -> {
        });
    }

    /**
     * As {@link #restoreFromImage(ContainerRecord, byte[], Path, List, Map)}, with {@code prepareRoot} making the
     * container's root (an image container's overlay and writable layer) once its record is registered.
     */
    public ContainerRecord restoreFromImage(ContainerRecord target, byte[] bundleConfig, Path image,
                                            List<String> restoreOptions, Map<String, Object> eventData,
                                            Runnable prepareRoot) {
        return restorer.restore(target, bundleConfig, image, restoreOptions, eventData, prepareRoot);
    }

    // ---- waiting

    /** Completes with the record once it stopped running: exited, checkpointed, or removed. */
    public CompletableFuture<ContainerRecord> exitFuture(String id) {
        return containers.exitFuture(id);
    }

    private static Optional<ContainerRecord> awaitExit(CompletableFuture<ContainerRecord> f, Duration timeout) {
        try {
            return Optional.of(f.get(timeout.toMillis(), TimeUnit.MILLISECONDS));
        } catch (TimeoutException e) {
            return Optional.empty();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw HydraException.failed("interrupted");
        } catch (java.util.concurrent.ExecutionException e) {
            throw HydraException.failed(e.getCause().getMessage());
        }
    }

    // ---- helpers

    public HydraEvent event(String type, ContainerRecord r, Object... extra) {
        return containers.event(type, r, extra);
    }

    private void requireLive(ContainerRecord r, String verb) {
        if (!r.status().live()) {
            throw HydraException.conflict("container " + r.name() + " is " + r.status() + " and cannot be " + verb);
        }
    }

    private void resumeQuietly(ContainerRecord r) {
        try {
            runtime.resume(r.id());
            store.commit(Change.put(r.withStatus(ContainerStatus.running)));
        } catch (HydraException e) {
            // already thawed, or gone: the kill has been delivered either way
        }
    }

    /** Removes a directory tree, best effort (what cannot be removed is logged). */
    public static void deleteTree(Path dir) {
        Containers.deleteTree(dir);
    }
}
