package io.hydra.runtime.container;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.time.Instant;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.stream.Stream;

import org.jboss.logging.Logger;

import io.hydra.events.EventType;
import io.hydra.events.HydraEvent;
import io.hydra.runtime.HydraConfig.OrphanPolicy;
import io.hydra.runtime.HydraException;
import io.hydra.runtime.state.ContainerRecord;
import io.hydra.runtime.state.ContainerStatus;
import io.hydra.runtime.state.StateStore;
import io.hydra.runtime.state.StateStore.Change;
import io.hydra.spi.monitor.AttachSession;
import io.hydra.spi.monitor.LaunchRequest;
import io.hydra.spi.monitor.MonitorException;
import io.hydra.spi.monitor.MonitorHandle;
import io.hydra.spi.monitor.MonitorRecord;
import io.hydra.spi.monitor.MonitorStrategy;
import io.hydra.spi.monitor.ProcessIdentity;

/**
 * The container lifecycle. Every change is written (record and events in one transaction) before it is
 * acknowledged; the monitors, not this process, keep the containers alive, so this class can be killed at any
 * point and {@link #recover()} finds every container again.
 */
public final class ContainerService {
    private static final Logger LOG = Logger.getLogger(ContainerService.class);
    private static final SecureRandom RANDOM = new SecureRandom();

    /** Where the daemon keeps things under its root. */
    public record Layout(Path root) {
        public Path containers() {
            return root.resolve("containers");
        }

        public Path exits() {
            return root.resolve("exits");
        }

        public Path runtimeState() {
            return root.resolve("runc");
        }

        public Path sockets() {
            return root.resolve("sockets");
        }
    }

    /** A summary of a recovery pass, for the daemon.recovered event and the logs. */
    public record Recovery(int adopted, int exitedWhileDown, int orphaned, int rolledBack) {
    }

    private final Layout layout;
    private final String nodeId;
    private final StateStore store;
    private final OciRuntime runtime;
    private final MonitorStrategies monitors;
    private final BundlePreparer bundles = new BundlePreparer();
    private final OrphanPolicy orphanPolicy;
    private final int defaultStopTimeout;
    private final ExecutorService background;
    private final Map<String, Object> locks = new ConcurrentHashMap<>();
    private final Map<String, CompletableFuture<ContainerRecord>> exits = new ConcurrentHashMap<>();
    private final Map<String, MonitorHandle> handles = new ConcurrentHashMap<>();
    private final Object createLock = new Object();

    public ContainerService(Layout layout, String nodeId, StateStore store, OciRuntime runtime,
                            MonitorStrategies monitors, OrphanPolicy orphanPolicy, int defaultStopTimeout,
                            ExecutorService background) {
        this.layout = layout;
        this.nodeId = nodeId;
        this.store = store;
        this.runtime = runtime;
        this.monitors = monitors;
        this.orphanPolicy = orphanPolicy;
        this.defaultStopTimeout = defaultStopTimeout;
        this.background = background;
    }

    // ---- queries

    public ContainerRecord find(String nameOrId) {
        if (nameOrId == null || nameOrId.isEmpty()) {
            throw HydraException.invalid("no container name given");
        }
        return store.byName(nameOrId).or(() -> store.byId(nameOrId))
                .filter(r -> r.status() != ContainerStatus.creating)
                .orElseThrow(() -> HydraException.notFound("no such container: " + nameOrId));
    }

    public List<ContainerRecord> list(boolean all) {
        return store.all().stream()
                .filter(r -> r.status() != ContainerStatus.creating)
                .filter(r -> all || r.status() != ContainerStatus.exited && r.status() != ContainerStatus.created)
                .sorted(Comparator.comparing(ContainerRecord::createdAt))
                .toList();
    }

    public boolean isMonitorChild(ContainerRecord r) {
        MonitorHandle h = handles.get(r.id());
        return h != null && h.isChildOfThisDaemon();
    }

    // ---- create, start, run

    public ContainerRecord create(CreateSpec spec) {
        ContainerNames.validate(spec.name());
        String monitorName = spec.monitor() == null || spec.monitor().isEmpty() ? monitors.defaultName() : spec.monitor();
        MonitorStrategy strategy = monitors.get(monitorName);
        boolean hasBundle = spec.bundle() != null && !spec.bundle().isEmpty();
        boolean hasRootfs = spec.rootfs() != null && !spec.rootfs().isEmpty();
        if (hasBundle == hasRootfs) {
            throw HydraException.invalid("give exactly one of --bundle DIR or --rootfs DIR");
        }
        String id = newId();
        BundlePreparer.PreparedBundle prepared = hasBundle
                ? bundles.fromBundle(Path.of(spec.bundle()), spec)
                : bundles.fromRootfs(spec, "/hydra/" + id);
        if (hasBundle && !spec.args().isEmpty()) {
            throw HydraException.invalid("a command after -- goes with --rootfs; with --bundle, config.json names it");
        }
        Path containerDir = layout.containers().resolve(id);
        Path bundleDir = containerDir.resolve("bundle");
        ContainerRecord record = new ContainerRecord(id, spec.name(), ContainerStatus.creating, monitorName, null,
                containerDir, bundleDir, prepared.userBundle(), prepared.command(), spec.interactive(), 0, null, null,
                false, null, nodeId, Instant.now(), null, null, 0);
        synchronized (createLock) {
            if (store.byName(spec.name()).isPresent()) {
                throw HydraException.conflict("the name '" + spec.name() + "' is already in use by container "
                        + store.byName(spec.name()).get().id());
            }
            // the intent is durable before anything exists, so a crash from here on is rolled back at recovery
            store.commit(Change.put(record));
        }
        synchronized (lock(id)) {
            MonitorHandle handle;
            try {
                bundles.write(prepared, bundleDir);
                handle = strategy.launch(launchRequest(record));
            } catch (IOException | RuntimeException e) {
                discard(record);
                if (e instanceof MonitorException) {
                    throw HydraException.failed("cannot create container " + spec.name() + ": " + e.getMessage());
                }
                if (e instanceof HydraException he) {
                    throw he;
                }
                throw HydraException.failed("cannot create container " + spec.name() + ": " + e.getMessage());
            }
            ContainerRecord created = record.launched(monitorName, handle.record());
            store.commit(Change.put(created, event(EventType.CONTAINER_CREATED, created)));
            watch(created, handle);
            return created;
        }
    }

    private LaunchRequest launchRequest(ContainerRecord r) {
        return new LaunchRequest(r.id(), r.name(), r.bundle(), runtime.ref(), r.containerDir(), layout.exits(),
                r.logFile(), layout.sockets(), r.interactive(), Optional.empty(), List.of());
    }

    public ContainerRecord start(String nameOrId) {
        ContainerRecord r = find(nameOrId);
        synchronized (lock(r.id())) {
            r = current(r.id());
            if (r.status() != ContainerStatus.created) {
                throw HydraException.conflict("container " + r.name() + " is " + r.status() + "; only a created"
                        + " container can be started (use restart for an exited one)");
            }
            exits.computeIfAbsent(r.id(), k -> new CompletableFuture<>());
            runtime.start(r.id());
            ContainerRecord started = r.started(Instant.now());
            store.commit(Change.put(started, event(EventType.CONTAINER_STARTED, started)));
            return started;
        }
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
        ContainerRecord r = find(nameOrId);
        String sig = Signals.normalize(signal == null || signal.isEmpty() ? "KILL" : signal);
        synchronized (lock(r.id())) {
            r = current(r.id());
            requireLive(r, "killed");
            runtime.kill(r.id(), sig);
            if (r.status() == ContainerStatus.paused && ("SIGKILL".equals(sig) || "SIGTERM".equals(sig))) {
                // a frozen process cannot act on a signal until it is thawed
                resumeQuietly(r);
            }
        }
        return current(r.id());
    }

    public ContainerRecord stop(String nameOrId, int timeoutSeconds) {
        ContainerRecord r = find(nameOrId);
        if (!r.status().live()) {
            return r;
        }
        int timeout = timeoutSeconds < 0 ? defaultStopTimeout : timeoutSeconds;
        CompletableFuture<ContainerRecord> exit = exitFuture(r.id());
        try {
            kill(r.id(), "TERM");
        } catch (HydraException e) {
            if (!current(r.id()).status().live()) {
                return current(r.id());
            }
            throw e;
        }
        if (awaitExit(exit, Duration.ofSeconds(timeout)).isEmpty()) {
            try {
                kill(r.id(), "KILL");
            } catch (HydraException e) {
                if (current(r.id()).status().live()) {
                    throw e;
                }
            }
            if (awaitExit(exit, Duration.ofSeconds(30)).isEmpty()) {
                throw HydraException.failed("container " + r.name() + " did not exit after SIGKILL");
            }
        }
        return current(r.id());
    }

    public ContainerRecord pause(String nameOrId) {
        return transition(nameOrId, ContainerStatus.running, ContainerStatus.paused, runtime::pause,
                EventType.CONTAINER_PAUSED);
    }

    public ContainerRecord resume(String nameOrId) {
        return transition(nameOrId, ContainerStatus.paused, ContainerStatus.running, runtime::resume,
                EventType.CONTAINER_RESUMED);
    }

    /** A runtime operation allowed in one status, leading to another, recorded with its event. */
    private ContainerRecord transition(String nameOrId, ContainerStatus from, ContainerStatus to,
                                       java.util.function.Consumer<String> operation, String eventType) {
        ContainerRecord r = find(nameOrId);
        synchronized (lock(r.id())) {
            r = current(r.id());
            if (r.status() != from) {
                throw HydraException.conflict("container " + r.name() + " is " + r.status() + ", not " + from);
            }
            operation.accept(r.id());
            ContainerRecord changed = r.withStatus(to);
            store.commit(Change.put(changed, event(eventType, changed)));
            return changed;
        }
    }

    public ContainerRecord restart(String nameOrId, int timeoutSeconds) {
        ContainerRecord r = stop(nameOrId, timeoutSeconds);
        synchronized (lock(r.id())) {
            r = current(r.id());
            if (r.status().live()) {
                throw HydraException.conflict("container " + r.name() + " is " + r.status() + " again; not restarting");
            }
            return relaunch(r, "restart");
        }
    }

    /**
     * Before a container runs again under the same id: the runtime's old state and what the old monitor left (its
     * exit file would otherwise mark the new run as exited at once).
     */
    private void clearRuntimeAndExitTraces(ContainerRecord r) throws IOException {
        runtime.delete(r.id(), true);
        Files.deleteIfExists(layout.exits().resolve(r.id()));
        Files.deleteIfExists(r.containerDir().resolve("persist").resolve("oom"));
        Files.deleteIfExists(r.containerDir().resolve("persist").resolve("exit"));
    }

    /** Starts the container's bundle again under a new monitor; the caller holds its lock. */
    private ContainerRecord relaunch(ContainerRecord r, String reason) {
        try {
            clearRuntimeAndExitTraces(r);
        } catch (IOException e) {
            throw HydraException.failed("cannot clear the old exit status of " + r.name() + ": " + e.getMessage());
        }
        MonitorStrategy strategy = monitors.get(r.monitor());
        MonitorHandle handle;
        try {
            handle = strategy.launch(launchRequest(r));
        } catch (MonitorException e) {
            throw HydraException.failed("cannot restart container " + r.name() + ": " + e.getMessage());
        }
        exits.put(r.id(), new CompletableFuture<>());
        runtime.start(r.id());
        ContainerRecord restarted = r.restarted(r.monitor(), handle.record(), Instant.now());
        store.commit(Change.put(restarted, event(EventType.CONTAINER_STARTED, restarted, "reason", reason)));
        watch(restarted, handle);
        return restarted;
    }

    public String remove(String nameOrId, boolean force) {
        ContainerRecord r = find(nameOrId);
        synchronized (lock(r.id())) {
            r = current(r.id());
            if (r.status().live() && r.status() != ContainerStatus.created && !force) {
                throw HydraException.conflict("container " + r.name() + " is " + r.status()
                        + ": stop it first or remove it with -f");
            }
            runtime.delete(r.id(), true);
            if (r.status() == ContainerStatus.orphaned) {
                // no monitor will report this exit: wait for the init process ourselves
                awaitGone(r.monitorRecord() == null ? null : r.monitorRecord().container(), Duration.ofSeconds(10));
            }
            store.commit(Change.delete(r.id(), event(EventType.CONTAINER_REMOVED, r)));
            handles.remove(r.id());
            deleteTree(r.containerDir());
            quietDelete(layout.exits().resolve(r.id()));
            CompletableFuture<ContainerRecord> f = exits.remove(r.id());
            if (f != null) {
                f.complete(r);
            }
            locks.remove(r.id());
            return r.id();
        }
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
            return monitors.get(r.monitor()).attach(r.monitorRecord(), listener);
        } catch (MonitorException e) {
            throw HydraException.failed(e.getMessage());
        }
    }

    // ---- checkpoint support (the dump and the repository live in CheckpointService)

    /** Runs {@code action} on the container's current record while holding its lock. */
    public <T> T locked(String id, java.util.function.Function<ContainerRecord, T> action) {
        synchronized (lock(id)) {
            return action.apply(current(id));
        }
    }

    /**
     * After a dump that stopped the container: it is {@code checkpointed}, not exited. Waits for its monitor to go
     * and clears what the monitor left (the exit file would otherwise mark a later restore as exited). The caller
     * holds the lock.
     */
    public ContainerRecord markCheckpointed(ContainerRecord r, HydraEvent... events) {
        ContainerRecord checkpointed = r.withStatus(ContainerStatus.checkpointed);
        store.commit(new Change(List.of(checkpointed), List.of(), List.of(events)));
        handles.remove(r.id());
        awaitGone(r.monitorRecord() == null ? null : r.monitorRecord().monitor(), Duration.ofSeconds(10));
        runtime.delete(r.id(), true);
        quietDelete(layout.exits().resolve(r.id()));
        exitFuture(r.id()).complete(checkpointed);
        return checkpointed;
    }

    /** A record for a container that exists only in a checkpoint (restored on another node, or --as NEW). */
    public ContainerRecord newRecordForRestore(String id, String name, String monitorName, List<String> command,
                                               boolean interactive) {
        ContainerNames.validate(name);
        String monitor = monitorName == null || monitorName.isEmpty() ? monitors.defaultName() : monitorName;
        monitors.get(monitor);
        Path containerDir = layout.containers().resolve(id);
        return new ContainerRecord(id, name, ContainerStatus.creating, monitor, null, containerDir,
                containerDir.resolve("bundle"), null, command, interactive, 0, null, null, false, null, nodeId,
                Instant.now(), null, null, 0);
    }

    public static String newContainerId() {
        return newId();
    }

    /**
     * Brings a container back from a verified checkpoint image under a new monitor. {@code bundleConfig} is the
     * config.json the checkpoint carried. A new record (status creating) is registered first, so a crash midway is
     * rolled back like a half-made create. Returns the running container.
     */
    public ContainerRecord restoreFromImage(ContainerRecord target, byte[] bundleConfig, Path image,
                                            List<String> restoreOptions, Map<String, Object> eventData) {
        boolean isNew = target.status() == ContainerStatus.creating;
        if (isNew) {
            synchronized (createLock) {
                if (store.byName(target.name()).isPresent()) {
                    throw HydraException.conflict("the name '" + target.name() + "' is already in use by container "
                            + store.byName(target.name()).get().id());
                }
                if (store.byId(target.id()).isPresent()) {
                    throw HydraException.conflict("container " + target.id() + " already exists on this node");
                }
                store.commit(Change.put(target));
            }
        }
        synchronized (lock(target.id())) {
            ContainerRecord r = current(target.id());
            if (r.status().live()) {
                throw HydraException.conflict("container " + r.name() + " is " + r.status()
                        + ": stop it first, or restore it under another name with --as NEW");
            }
            try {
                Files.createDirectories(r.bundle());
                Path config = r.bundle().resolve("config.json");
                Path staged = r.bundle().resolve("config.json.restore");
                Files.write(staged, bundleConfig);
                Files.move(staged, config, java.nio.file.StandardCopyOption.REPLACE_EXISTING,
                        java.nio.file.StandardCopyOption.ATOMIC_MOVE);
                clearRuntimeAndExitTraces(r);
            } catch (IOException | RuntimeException e) {
                if (isNew) {
                    discard(r);
                }
                throw HydraException.failed("cannot prepare the restore of " + r.name() + ": " + e.getMessage());
            }
            MonitorHandle handle;
            try {
                LaunchRequest request = new LaunchRequest(r.id(), r.name(), r.bundle(), runtime.ref(), r.containerDir(),
                        layout.exits(), r.logFile(), layout.sockets(), r.interactive(), Optional.of(image),
                        restoreOptions);
                handle = monitors.get(r.monitor()).launch(request);
            } catch (RuntimeException e) {
                if (isNew) {
                    discard(r);
                }
                throw HydraException.failed("cannot restore container " + r.name() + ": " + e.getMessage());
            }
            exits.put(r.id(), new CompletableFuture<>());
            ContainerRecord restored = r.launched(r.monitor(), handle.record()).started(Instant.now());
            Object[] extra = eventData.entrySet().stream()
                    .flatMap(e -> java.util.stream.Stream.of(e.getKey(), e.getValue())).toArray();
            store.commit(Change.put(restored, event(EventType.CONTAINER_RESTORED, restored, extra)));
            watch(restored, handle);
            return restored;
        }
    }

    // ---- waiting

    /** Completes with the exited record; at once when it has exited already. */
    public CompletableFuture<ContainerRecord> exitFuture(String id) {
        CompletableFuture<ContainerRecord> f = exits.computeIfAbsent(id, k -> new CompletableFuture<>());
        store.byId(id).filter(r -> !r.status().live() && r.status() != ContainerStatus.creating).ifPresent(f::complete);
        return f;
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

    // ---- exits and monitors

    /** An exit file appeared (or may have): record the exit once. */
    public void onExitFile(String id) {
        ContainerRecord r = store.byId(id).orElse(null);
        if (r == null) {
            // a container removed with -f still makes its monitor write an exit file
            if (id.matches("[0-9a-f]{32}")) {
                quietDelete(layout.exits().resolve(id));
            }
            return;
        }
        synchronized (lock(id)) {
            // removed (rm -f) while this notification waited for the lock
            store.byId(id).ifPresent(current -> recordExitIfAny(current, ""));
        }
    }

    /** Caller holds the lock. Returns true when an exit was found (and recorded now or before). */
    private boolean recordExitIfAny(ContainerRecord r, String reason) {
        if (!r.status().live()) {
            return r.status() == ContainerStatus.exited;
        }
        Optional<ExitStatus> status = ExitStatus.read(layout.exits().resolve(r.id()),
                r.containerDir().resolve("persist"));
        if (status.isEmpty()) {
            return false;
        }
        ExitStatus s = status.get();
        boolean oom = s.oomKilled() || s.code() == 137 && OomEvidence.oomKilled(layout.runtimeState().resolve(r.id()));
        ContainerRecord exited = r.exited(s.code(), s.signal(), oom,
                oom ? "oom-killed" : reason.isEmpty() ? null : reason, Instant.now());
        HydraEvent exitEvent = event(EventType.CONTAINER_EXITED, exited);
        if (oom) {
            store.commit(Change.put(exited, event(EventType.CONTAINER_OOM, exited), exitEvent));
        } else {
            store.commit(Change.put(exited, exitEvent));
        }
        finishExit(exited);
        return true;
    }

    private void finishExit(ContainerRecord exited) {
        handles.remove(exited.id());
        try {
            runtime.delete(exited.id(), true);
        } catch (HydraException e) {
            LOG.warnf("runc delete of exited %s: %s", exited.name(), e.getMessage());
        }
        quietDelete(layout.exits().resolve(exited.id()));
        exitFuture(exited.id()).complete(exited);
    }

    private void watch(ContainerRecord r, MonitorHandle handle) {
        handles.put(r.id(), handle);
        handle.monitorExit().thenRunAsync(() -> onMonitorGone(r.id(), handle), background);
    }

    private void onMonitorGone(String id, MonitorHandle gone) {
        synchronized (lock(id)) {
            ContainerRecord r = store.byId(id).orElse(null);
            if (r == null || !r.status().live() || r.status() == ContainerStatus.orphaned
                    || handles.get(id) != gone) {
                return;
            }
            checkContainer(r);
        }
    }

    /**
     * Settles one live container from what is on the host: its exit file, its init process, its monitor. The
     * caller holds its lock. Returns what it found, for recovery's count.
     */
    private String checkContainer(ContainerRecord r) {
        if (recordExitIfAny(r, "")) {
            return "exited";
        }
        MonitorRecord m = r.monitorRecord();
        boolean containerAlive = m != null && m.container().isAlive();
        boolean monitorAlive = m != null && m.monitor().isAlive();
        if (r.status() == ContainerStatus.orphaned) {
            if (!containerAlive) {
                ContainerRecord exited = r.exited(null, null, false,
                        "exited without a monitor: exit status unknown", Instant.now());
                store.commit(Change.put(exited, event(EventType.CONTAINER_EXITED, exited)));
                finishExit(exited);
                return "exited";
            }
            return "orphaned";
        }
        if (monitorAlive) {
            return "running";
        }
        // the monitor is gone; it may have written the exit file just before dying
        if (recordExitIfAny(current(r.id()), "")) {
            return "exited";
        }
        if (!containerAlive) {
            ContainerRecord exited = r.exited(null, null, false,
                    "container and monitor vanished without an exit status", Instant.now());
            store.commit(Change.put(exited, event(EventType.CONTAINER_EXITED, exited)));
            finishExit(exited);
            return "exited";
        }
        return handleOrphan(r);
    }

    private String handleOrphan(ContainerRecord r) {
        LOG.warnf("monitor of container %s (pid %d) died; the container runs on; policy %s", r.name(),
                r.monitorRecord().monitor().pid(), orphanPolicy);
        handles.remove(r.id());
        ContainerRecord orphan = r.orphaned();
        store.commit(Change.put(orphan, event(EventType.CONTAINER_ORPHANED, orphan, "policy", orphanPolicy.name())));
        if (orphanPolicy == OrphanPolicy.keep) {
            return "orphaned";
        }
        try {
            runtime.kill(r.id(), "SIGKILL");
        } catch (HydraException e) {
            LOG.warnf("kill of orphan %s: %s", r.name(), e.getMessage());
        }
        awaitGone(r.monitorRecord().container(), Duration.ofSeconds(10));
        relaunch(current(r.id()), "orphan-restart");
        return "orphaned";
    }

    private static void awaitGone(ProcessIdentity process, Duration timeout) {
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

    // ---- recovery

    /** Run once at start-up, before the API serves: re-adopt, record exits, roll back half-made containers. */
    public Recovery recover() {
        int adopted = 0;
        int exited = 0;
        int orphaned = 0;
        int rolledBack = 0;
        for (ContainerRecord r : store.all()) {
            synchronized (lock(r.id())) {
                if (r.status() == ContainerStatus.creating) {
                    discard(r);
                    rolledBack++;
                    continue;
                }
                if (!r.status().live()) {
                    continue;
                }
                if (r.status() != ContainerStatus.orphaned && r.monitorRecord() != null
                        && r.monitorRecord().monitor().isAlive()) {
                    MonitorHandle handle = monitors.get(r.monitor()).adopt(r.monitorRecord());
                    watch(r, handle);
                }
                String outcome = checkContainer(r);
                switch (outcome) {
                    case "exited" -> exited++;
                    case "orphaned" -> orphaned++;
                    default -> adopted++;
                }
            }
        }
        cleanStrayExitFiles();
        Recovery recovery = new Recovery(adopted, exited, orphaned, rolledBack);
        store.commit(Change.events(HydraEvent.of(EventType.DAEMON_RECOVERED, nodeId, "", Map.of(
                "adopted", adopted, "exitedWhileDown", exited, "orphaned", orphaned, "rolledBack", rolledBack))));
        return recovery;
    }

    /** The periodic pass: catches what notifications missed (inotify overflow, a monitor that died unseen). */
    public void reconcile() {
        for (ContainerRecord r : store.all()) {
            if (!r.status().live()) {
                continue;
            }
            try {
                synchronized (lock(r.id())) {
                    ContainerRecord now = store.byId(r.id()).orElse(null);
                    if (now != null && now.status().live()) {
                        checkContainer(now);
                    }
                }
            } catch (RuntimeException e) {
                LOG.warnf("reconcile of %s: %s", r.name(), e.getMessage());
            }
        }
    }

    private void cleanStrayExitFiles() {
        try (Stream<Path> files = Files.list(layout.exits())) {
            files.filter(f -> store.byId(f.getFileName().toString()).isEmpty()).forEach(ContainerService::quietDelete);
        } catch (IOException e) {
            LOG.warnf("cannot list %s: %s", layout.exits(), e.getMessage());
        }
    }

    /** Removes every trace of a container that never finished being created. */
    private void discard(ContainerRecord r) {
        try {
            runtime.delete(r.id(), true);
        } catch (HydraException e) {
            LOG.warnf("runc delete while discarding %s: %s", r.name(), e.getMessage());
        }
        deleteTree(r.containerDir());
        quietDelete(layout.exits().resolve(r.id()));
        store.commit(Change.delete(r.id()));
    }

    // ---- helpers

    public HydraEvent event(String type, ContainerRecord r, Object... extra) {
        Map<String, Object> data = new LinkedHashMap<>();
        data.put("name", r.name());
        data.put("status", r.status().name());
        data.put("node", nodeId);
        data.put("monitor", r.monitor());
        if (r.pid() > 0) {
            data.put("pid", r.pid());
        }
        if (r.status() == ContainerStatus.exited) {
            if (r.exitCode() != null) {
                data.put("exitCode", r.exitCode());
            }
            if (r.signal() != null) {
                data.put("signal", r.signal());
            }
            data.put("oomKilled", r.oomKilled());
            if (r.exitReason() != null) {
                data.put("reason", r.exitReason());
            }
        }
        for (int i = 0; i + 1 < extra.length; i += 2) {
            data.put(String.valueOf(extra[i]), extra[i + 1]);
        }
        return HydraEvent.of(type, nodeId, r.id(), data);
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
            LOG.debugf("resume after kill of %s: %s", r.name(), e.getMessage());
        }
    }

    private ContainerRecord current(String id) {
        return store.byId(id).orElseThrow(() -> HydraException.notFound("container " + id + " was removed"));
    }

    private Object lock(String id) {
        return locks.computeIfAbsent(id, k -> new Object());
    }

    private static String newId() {
        byte[] b = new byte[16];
        RANDOM.nextBytes(b);
        return HexFormat.of().formatHex(b);
    }

    private static void quietDelete(Path p) {
        try {
            Files.deleteIfExists(p);
        } catch (IOException e) {
            LOG.debugf("cannot delete %s: %s", p, e.getMessage());
        }
    }

    /** Removes a directory tree, best effort (what cannot be removed is logged). */
    public static void deleteTree(Path dir) {
        if (!Files.exists(dir)) {
            return;
        }
        try (Stream<Path> walk = Files.walk(dir)) {
            walk.sorted(Comparator.reverseOrder()).forEach(ContainerService::quietDelete);
        } catch (IOException e) {
            LOG.warnf("cannot delete %s: %s", dir, e.getMessage());
        }
    }
}
