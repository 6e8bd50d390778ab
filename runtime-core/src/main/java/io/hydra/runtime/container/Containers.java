package io.hydra.runtime.container;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;
import java.util.stream.Stream;

import org.jboss.logging.Logger;

import io.hydra.events.HydraEvent;
import io.hydra.runtime.HydraException;
import io.hydra.runtime.state.ContainerRecord;
import io.hydra.runtime.state.ContainerStatus;
import io.hydra.runtime.state.StateStore;
import io.hydra.spi.monitor.LaunchRequest;
import io.hydra.spi.monitor.MonitorHandle;
import io.hydra.spi.monitor.MonitorStrategy;

/**
 * What the lifecycle verbs, the supervision of exits and recovery share: the state store, the runtime, the
 * monitors, each container's lock, its live monitor handle and the futures of those waiting for its exit.
 */
public final class Containers {
    private static final Logger LOG = Logger.getLogger(Containers.class);
    private static final SecureRandom RANDOM = new SecureRandom();
    /** The shortest id prefix that names a container (docker accepts any unique one; 4 keeps typos from hitting). */
    public static final int MIN_ID_PREFIX = 4;

    private final Layout layout;
    private final String nodeId;
    private final StateStore store;
    private final OciRuntime runtime;
    private final MonitorStrategies monitors;
    private final long logMaxBytes;
    private final ContainerLocks locks = new ContainerLocks();
    private final Map<String, CompletableFuture<ContainerRecord>> exits = new ConcurrentHashMap<>();
    private final Map<String, MonitorHandle> handles = new ConcurrentHashMap<>();
    private final ImageRoots imageRoots;
    private final Function<Path, Map<String, String>> bundleAnnotations;

    public Containers(Layout layout, String nodeId, StateStore store, OciRuntime runtime, MonitorStrategies monitors,
                      long logMaxBytes) {
        this(layout, nodeId, store, runtime, monitors, logMaxBytes,
                ImageRoots.unavailable("none was configured for this daemon"));
    }

    public Containers(Layout layout, String nodeId, StateStore store, OciRuntime runtime, MonitorStrategies monitors,
                      long logMaxBytes, ImageRoots imageRoots) {
        this(layout, nodeId, store, runtime, monitors, logMaxBytes, imageRoots, dir -> Map.of());
    }

    /**
     * @param bundleAnnotations the annotations a container's config.json gets for the checkpoint backend, by the
     *                          container's directory (set at create and again at every restore)
     */
    public Containers(Layout layout, String nodeId, StateStore store, OciRuntime runtime, MonitorStrategies monitors,
                      long logMaxBytes, ImageRoots imageRoots, Function<Path, Map<String, String>> bundleAnnotations) {
        this.bundleAnnotations = bundleAnnotations;
        this.imageRoots = imageRoots;
        this.layout = layout;
        this.nodeId = nodeId;
        this.store = store;
        this.runtime = runtime;
        this.monitors = monitors;
        this.logMaxBytes = logMaxBytes;
    }

    /** The checkpoint backend's annotations for the container whose directory is {@code containerDir}. */
    public Map<String, String> bundleAnnotations(Path containerDir) {
        return bundleAnnotations.apply(containerDir);
    }

    public Layout layout() {
        return layout;
    }

    public String nodeId() {
        return nodeId;
    }

    public StateStore store() {
        return store;
    }

    public OciRuntime runtime() {
        return runtime;
    }

    public MonitorStrategies monitors() {
        return monitors;
    }

    public ImageRoots imageRoots() {
        return imageRoots;
    }

    public ContainerLocks locks() {
        return locks;
    }

    public MonitorStrategy monitorOf(ContainerRecord r) {
        return monitors.get(r.monitor());
    }

    // ---- records

    public ContainerRecord find(String nameOrId) {
        if (nameOrId == null || nameOrId.isEmpty()) {
            throw HydraException.invalid("no container name given");
        }
        return store.byName(nameOrId).or(() -> store.byId(nameOrId)).or(() -> byIdPrefix(nameOrId))
                .filter(r -> r.status() != ContainerStatus.creating)
                .orElseThrow(() -> HydraException.notFound("no such container: " + nameOrId));
    }

    /** The one container whose id starts with {@code prefix} (at least {@value #MIN_ID_PREFIX} characters). */
    private Optional<ContainerRecord> byIdPrefix(String prefix) {
        if (prefix.length() < MIN_ID_PREFIX || !prefix.matches("[0-9a-fA-F]+")) {
            return Optional.empty();
        }
        String lower = prefix.toLowerCase(java.util.Locale.ROOT);
        List<ContainerRecord> matches = store.all().stream()
                .filter(r -> r.status() != ContainerStatus.creating && r.id().startsWith(lower))
                .sorted(Comparator.comparing(ContainerRecord::id)).toList();
        if (matches.size() > 1) {
            throw HydraException.invalid("id prefix '" + prefix + "' is ambiguous: it matches " + matches.size()
                    + " containers: " + String.join(", ", matches.stream().map(r -> r.id() + " (" + r.name() + ")")
                    .toList()) + "; give more characters or the name");
        }
        return matches.stream().findFirst();
    }

    public List<ContainerRecord> list(boolean all) {
        return store.all().stream()
                .filter(r -> r.status() != ContainerStatus.creating)
                .filter(r -> all || r.status() != ContainerStatus.exited && r.status() != ContainerStatus.created)
                .sorted(Comparator.comparing(ContainerRecord::createdAt))
                .toList();
    }

    public ContainerRecord current(String id) {
        return store.byId(id).orElseThrow(() -> HydraException.notFound("container " + id + " was removed"));
    }

    public LaunchRequest launchRequest(ContainerRecord r, Optional<Path> restoreImage, List<String> restoreOptions) {
        return new LaunchRequest(r.id(), r.name(), r.bundle(), runtime.ref(), r.containerDir(), r.logFile(),
                logMaxBytes, layout.sockets(), r.interactive(), restoreImage, restoreOptions, r.options().tty());
    }

    // ---- monitor handles and exit futures

    public void putHandle(String id, MonitorHandle handle) {
        handles.put(id, handle);
    }

    public MonitorHandle handle(String id) {
        return handles.get(id);
    }

    public void dropHandle(String id) {
        handles.remove(id);
    }

    /** Completes with the record once the container stopped running (exited or checkpointed). */
    public CompletableFuture<ContainerRecord> exitFuture(String id) {
        CompletableFuture<ContainerRecord> f = exits.computeIfAbsent(id, k -> new CompletableFuture<>());
        store.byId(id).filter(r -> !r.status().live() && r.status() != ContainerStatus.creating).ifPresent(f::complete);
        return f;
    }

    /** A new run begins: those waiting from now on wait for its end. */
    public void newRun(String id) {
        // an orphan relaunch continues the same run: whoever waits already keeps waiting for its end
        exits.compute(id, (k, old) -> old != null && !old.isDone() ? old : new CompletableFuture<>());
    }

    public void awaitingRun(String id) {
        exits.computeIfAbsent(id, k -> new CompletableFuture<>());
    }

    /** The container is gone for good: release every waiter with its last record. */
    public void removed(ContainerRecord last) {
        handles.remove(last.id());
        CompletableFuture<ContainerRecord> f = exits.remove(last.id());
        if (f != null) {
            f.complete(last);
        }
    }

    /** Forgets what any monitor recorded of the container's earlier runs. */
    public void clearExitStatus(String id, Path containerDir) {
        for (String name : monitors.names()) {
            try {
                monitors.get(name).clearExitStatus(id, containerDir);
            } catch (IOException e) {
                LOG.warnf("cannot clear the old exit status of %s: %s", id, e.getMessage());
            }
        }
    }

    // ---- events

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

    // ---- helpers

    /** Removes every trace of a container that never finished being created. The caller holds its lock. */
    public void discard(ContainerRecord r) {
        try {
            runtime.delete(r.id(), true);
        } catch (HydraException e) {
            LOG.warnf("runc delete while discarding %s: %s", r.name(), e.getMessage());
        }
        boolean unmounted = true;
        try {
            // first: the tree below is deleted, and a mounted root must not be walked
            imageRoots.release(r);
        } catch (HydraException e) {
            unmounted = false;
            LOG.errorf("cannot remove the image root of %s: %s; its directory %s is kept", r.name(), e.getMessage(),
                    r.containerDir());
        }
        if (unmounted) {
            deleteTree(r.containerDir());
        }
        clearExitStatus(r.id(), r.containerDir());
        store.commit(StateStore.Change.delete(r.id()));
    }

    public static String newId() {
        byte[] b = new byte[16];
        RANDOM.nextBytes(b);
        return HexFormat.of().formatHex(b);
    }

    static void quietDelete(Path p) {
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
            walk.sorted(Comparator.reverseOrder()).forEach(Containers::quietDelete);
        } catch (IOException e) {
            LOG.warnf("cannot delete %s: %s", dir, e.getMessage());
        }
    }
}
