package io.hydra.runtime;

import java.io.IOException;
import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;

import org.jboss.logging.Logger;

import io.grpc.BindableService;
import io.hydra.api.v1.InfoResponse;
import io.hydra.events.EventType;
import io.hydra.events.HydraEvent;
import io.hydra.runtime.api.ContainersApi;
import io.hydra.runtime.api.EventsApi;
import io.hydra.runtime.api.GrpcServer;
import io.hydra.runtime.api.SystemApi;
import io.hydra.runtime.container.ContainerService;
import io.hydra.runtime.container.ExitFileWatcher;
import io.hydra.runtime.container.MonitorStrategies;
import io.hydra.runtime.container.OciRuntime;
import io.hydra.runtime.observability.DaemonMetrics;
import io.hydra.runtime.plugin.PluginRegistry;
import io.hydra.runtime.state.StateStore;
import io.hydra.spi.monitor.MonitorStrategy;
import io.hydra.spi.plugin.PluginContext;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;

/**
 * Brings the daemon up in the order that keeps it safe: lock the root, open the state, load plugins, recover every
 * container, and only then serve the API.
 */
@ApplicationScoped
public class Daemon {
    private static final Logger LOG = Logger.getLogger(Daemon.class);

    private final HydraConfig config;
    private final MeterRegistry registry;

    private DaemonLock lock;
    private StateStore store;
    private MonitorStrategies monitors;
    private ContainerService containers;
    private ExitFileWatcher exitWatcher;
    private GrpcServer grpc;
    private ScheduledExecutorService scheduler;
    private ExecutorService background;
    private ExecutorService requests;
    private volatile boolean ready;

    public Daemon(HydraConfig config, MeterRegistry registry) {
        this.config = config;
        this.registry = registry;
    }

    void onStart(@Observes StartupEvent event) throws Exception {
        Instant startedAt = Instant.now();
        long processStart = ProcessHandle.current().info().startInstant().map(Instant::toEpochMilli).orElse(0L);
        Path root = config.root().toAbsolutePath();
        String nodeId = config.nodeId().orElseGet(Daemon::hostname);
        ContainerService.Layout layout = new ContainerService.Layout(root);
        createPrivateDirectory(root);
        lock = DaemonLock.acquire(root);
        for (Path dir : List.of(layout.containers(), layout.exits(), layout.runtimeState(), layout.sockets())) {
            createPrivateDirectory(dir);
        }
        store = new StateStore(root.resolve("state.db"));
        OciRuntime runtime = new OciRuntime(config.runtime().path(), layout.runtimeState());

        PluginRegistry plugins = new PluginRegistry();
        Map<String, MonitorStrategy> strategies = new TreeMap<>();
        for (String name : plugins.names(MonitorStrategy.class)) {
            strategies.put(name, plugins.create(MonitorStrategy.class, "monitor", name,
                    new PluginContext(nodeId, root.resolve("plugins").resolve("monitor").resolve(name),
                            pluginSettings("monitor", name))));
        }
        try {
            monitors = new MonitorStrategies(strategies, config.monitor());
        } catch (HydraException e) {
            throw new IllegalStateException("hydra.monitor: " + e.getMessage());
        }

        background = Executors.newFixedThreadPool(2, named("hydra-background"));
        requests = Executors.newCachedThreadPool(named("hydra-request"));
        DaemonMetrics metrics = new DaemonMetrics(registry, store);
        containers = new ContainerService(layout, nodeId, store, runtime, monitors, config.orphanPolicy(),
                config.stopTimeout(), background);

        ContainerService.Recovery recovery = metrics.timeReconcile("recovery", containers::recover);
        exitWatcher = new ExitFileWatcher(layout.exits(), id -> background.execute(() -> containers.onExitFile(id)));
        // exits that landed between the recovery pass and the watcher's start
        containers.reconcile();

        String runtimeVersion = runtime.version();
        InfoResponse.Builder info = InfoResponse.newBuilder()
                .setNode(nodeId).setVersion(SystemApi.VERSION).setRoot(root.toString())
                .setSocket(config.socket().toString()).setDefaultMonitor(monitors.defaultName())
                .addAllMonitors(monitors.names()).setRuntime(config.runtime().path().toString())
                .setRuntimeVersion(runtimeVersion).setOrphanPolicy(config.orphanPolicy().name())
                .setStartedAt(startedAt.toString());
        List<BindableService> services = List.of(
                new ContainersApi(containers, runtime, metrics, requests),
                new EventsApi(store, containers, requests),
                new SystemApi(info::clone, store));
        grpc = new GrpcServer(config.socket());
        grpc.startUnix(config.socketGroup(), services, requests);
        if (config.listen().isPresent()) {
            HydraConfig.Tls tls = config.tls();
            if (tls.cert().isEmpty() || tls.key().isEmpty() || tls.ca().isEmpty()) {
                throw new IllegalStateException("--listen serves gRPC over TCP only with mutual TLS: give --tls-cert,"
                        + " --tls-key and --tls-ca");
            }
            grpc.startTcp(config.listen().get(), tls.cert().get(), tls.key().get(), tls.ca().get(), services, requests);
        }

        scheduler = Executors.newSingleThreadScheduledExecutor(named("hydra-reconcile"));
        long every = Math.max(100, config.reconcileInterval().toMillis());
        scheduler.scheduleWithFixedDelay(() -> {
            try {
                metrics.timeReconcile("periodic", () -> {
                    containers.reconcile();
                    return null;
                });
            } catch (RuntimeException e) {
                LOG.error("reconcile pass failed", e);
            }
        }, every, every, TimeUnit.MILLISECONDS);

        store.commit(StateStore.Change.events(HydraEvent.of(EventType.DAEMON_STARTED, nodeId, "", Map.of(
                "pid", ProcessHandle.current().pid(), "version", SystemApi.VERSION))));
        ready = true;
        LOG.infof("hydra daemon ready on unix://%s (node %s, monitor %s, %d ms after process start):"
                        + " %d containers adopted, %d exited while down, %d orphaned, %d half-created rolled back",
                config.socket(), nodeId, monitors.defaultName(), System.currentTimeMillis() - processStart,
                recovery.adopted(), recovery.exitedWhileDown(), recovery.orphaned(), recovery.rolledBack());
    }

    void onStop(@Observes ShutdownEvent event) {
        ready = false;
        // containers are not ours to stop: their monitors keep them running
        try {
            if (scheduler != null) {
                scheduler.shutdownNow();
            }
            if (grpc != null) {
                grpc.close();
            }
            if (exitWatcher != null) {
                exitWatcher.close();
            }
            if (background != null) {
                background.shutdown();
                background.awaitTermination(5, TimeUnit.SECONDS);
            }
            if (monitors != null) {
                monitors.close();
            }
            if (store != null) {
                store.close();
            }
            if (lock != null) {
                lock.close();
            }
        } catch (IOException | InterruptedException e) {
            LOG.warn("shutdown: " + e.getMessage());
        }
    }

    public boolean ready() {
        return ready;
    }

    private Map<String, String> pluginSettings(String type, String name) {
        return config.plugin().getOrDefault(type, Map.of()).getOrDefault(name, Map.of());
    }

    private static void createPrivateDirectory(Path dir) throws IOException {
        if (!Files.isDirectory(dir)) {
            Files.createDirectories(dir);
            Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwx------"));
        }
    }

    private static String hostname() {
        try {
            return InetAddress.getLocalHost().getHostName();
        } catch (IOException e) {
            return "localhost";
        }
    }

    private static java.util.concurrent.ThreadFactory named(String prefix) {
        java.util.concurrent.atomic.AtomicInteger n = new java.util.concurrent.atomic.AtomicInteger();
        return r -> {
            Thread t = new Thread(r, prefix + "-" + n.incrementAndGet());
            t.setDaemon(true);
            return t;
        };
    }
}
