package io.hydra.runtime;

import java.io.IOException;
import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
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
import io.hydra.events.cloudevents.CloudEventMode;
import io.hydra.events.kafka.KafkaEventPublisher;
import io.hydra.events.kafka.PublisherSettings;
import io.micrometer.core.instrument.Gauge;
import java.util.function.Supplier;
import io.hydra.runtime.api.CheckpointsApi;
import io.hydra.runtime.api.ContainersApi;
import io.hydra.runtime.checkpoint.CheckpointKeys;
import io.hydra.runtime.checkpoint.CheckpointPolicies;
import io.hydra.runtime.checkpoint.CheckpointService;
import io.hydra.runtime.checkpoint.repo.CheckpointRepository;
import io.hydra.runtime.checkpoint.repo.RepositorySettings;
import io.hydra.spi.checkpoint.CheckpointBackend;
import io.hydra.spi.checkpoint.CheckpointCapabilities;
import io.hydra.spi.storage.BlobStore;
import io.hydra.runtime.api.EventsApi;
import io.hydra.runtime.config.PluginSettingsCheck;
import io.hydra.spi.process.Deadlines;
import io.hydra.spi.process.ProcessRunner;
import io.hydra.spi.scheduler.Scheduler;
import io.hydra.spi.cluster.Coordinator;
import io.hydra.runtime.cluster.ClusterNode;
import io.hydra.runtime.cluster.ClusterStartup;
import io.hydra.runtime.cluster.failover.Failover;
import io.hydra.runtime.api.GrpcServer;
import io.hydra.runtime.checkpoint.repo.PackCache;
import io.hydra.runtime.cluster.Prefetcher;
import io.hydra.runtime.api.MigrationsApi;
import io.hydra.runtime.migration.MigrationJournal;
import io.hydra.runtime.migration.MigrationMode;
import io.hydra.runtime.checkpoint.PageServerCredentials;
import io.hydra.runtime.migration.Migrations;
import io.hydra.runtime.api.SystemApi;
import io.hydra.runtime.api.ImagesApi;
import io.hydra.runtime.image.ImageService;
import io.hydra.runtime.image.registry.RegistryClient;
import io.hydra.runtime.image.registry.RegistryCredentials;
import io.hydra.runtime.image.store.ImageStore;
import io.hydra.runtime.container.ContainerService;
import io.hydra.runtime.container.Containers;
import io.hydra.runtime.container.ImageRoots;
import io.hydra.runtime.container.UnusedLayers;
import io.hydra.runtime.image.layer.LayerCache;
import io.hydra.runtime.image.layer.LayerUnpacker;
import io.hydra.runtime.image.layer.OverlayContainerRootfs;
import io.hydra.runtime.container.Layout;
import io.hydra.runtime.container.MonitorStrategies;
import io.hydra.runtime.recovery.CheckpointRecovery;
import io.hydra.runtime.recovery.ContainerRecovery;
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
    /** How long recovery lets a dump that outlived its daemon run before it judges the staged image. */

    private final HydraConfig config;
    private final MeterRegistry registry;

    private DaemonLock lock;
    private StateStore store;
    private MonitorStrategies monitors;
    private ContainerService containers;
    private ContainerRecovery recovery;
    private BlobStore blobStore;
    private PackCache packCache;
    private CheckpointRepository repository;
    private CheckpointBackend backend;
    private CheckpointService checkpoints;
    private CheckpointPolicies policies;
    private String checkpointsUnavailable;
    private CheckpointKeys keys;
    private String storageUnavailable;
    private ImageService images;
    private UnusedLayers unusedLayers;
    private KafkaEventPublisher publisher;
    /** Asked of runc on the first `hydra info`, not on the start-up path. */
    private Supplier<String> runtimeVersion;
    private GrpcServer grpc;
    /** This daemon's part in its cluster (or itself alone); set before the API serves. */
    private volatile ClusterNode cluster;
    private Failover failover;
    private io.hydra.runtime.migration.Migrations migrations;
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
        // the JVM's own start time: ProcessHandle's start instant is off by most of a second on some VMs
        long processStart = java.lang.management.ManagementFactory.getRuntimeMXBean().getStartTime();
        Path root = config.root().toAbsolutePath();
        String nodeId = config.nodeId().orElseGet(Daemon::hostname);
        Layout layout = new Layout(root);
        // settings are checked before anything is written under the root
        Deadlines deadlines = deadlines();
        ProcessRunner processes = new ProcessRunner();
        PluginRegistry plugins = new PluginRegistry();
        PluginSettingsCheck.verify(config.plugin(), Map.of("monitor", MonitorStrategy.class, "checkpoint",
                CheckpointBackend.class, "storage", BlobStore.class, "scheduler", Scheduler.class, "cluster",
                Coordinator.class), plugins);
        ClusterStartup.checkSettings(config, plugins);
        createPrivateDirectory(root);
        lock = DaemonLock.acquire(root);
        io.hydra.runtime.recovery.CrashPoint.arm(root);
        for (Path dir : List.of(layout.containers(), layout.runtimeState(), layout.sockets())) {
            createPrivateDirectory(dir);
        }
        store = new StateStore(root.resolve("state.db"));
        OciRuntime runtime = new OciRuntime(config.runtime().path(), layout.runtimeState(), processes,
                deadlines.runtime());

        CompletableFuture<CheckpointBackend> backendProbe = probeCheckpointBackend(plugins, root, nodeId, deadlines,
                processes);
        Map<String, MonitorStrategy> strategies = new TreeMap<>();
        for (String name : plugins.names(MonitorStrategy.class)) {
            strategies.put(name, plugins.create(MonitorStrategy.class, "monitor", name,
                    new PluginContext(nodeId, root.resolve("plugins").resolve("monitor").resolve(name),
                            pluginSettings("monitor", name), deadlines, processes)));
        }
        try {
            monitors = new MonitorStrategies(strategies, config.monitor());
        } catch (HydraException e) {
            throw new IllegalStateException("hydra.monitor: " + e.getMessage());
        }

        background = Executors.newFixedThreadPool(2, named("hydra-background"));
        requests = Executors.newCachedThreadPool(named("hydra-request"));
        DaemonMetrics metrics = new DaemonMetrics(registry, store);
        // before recovery: restarting an image container (after a host reboot) mounts its root from the store
        openStorage(plugins, root, nodeId, deadlines, processes);
        startImages(root, nodeId);
        // the backend is probed meanwhile; no container is created before the API serves, by when it is known
        Containers shared = new Containers(layout, nodeId, store, runtime, monitors, config.logMaxSize().asLongValue(),
                imageRoots(root, nodeId), dir -> backendProbe.isDone() && !backendProbe.isCompletedExceptionally()
                ? backendProbe.join().bundleAnnotations(dir) : Map.of());
        containers = new ContainerService(shared, config.orphanPolicy(), config.stopTimeout(), background);
        recovery = new ContainerRecovery(containers);

        ContainerRecovery.Summary recovered = metrics.timeReconcile("recovery", recovery::recover);
        Map<String, String> checkpointInfo = startCheckpoints(plugins, backendProbe, root, nodeId, runtime,
                deadlines, processes);
        // interrupted checkpoints need the repository: settled now, before the API serves
        int checkpointsSettled = new CheckpointRecovery(shared, recovery, checkpoints, deadlines.checkpoint()).settleAll();
        for (String name : monitors.names()) {
            monitors.get(name).watchExits(id -> background.execute(() -> containers.supervisor().onExitNotice(id)));
        }
        // exits that landed between the recovery pass and the watchers' start
        recovery.reconcile();
        // the migrations an earlier daemon left: their containers' ownership is theirs to settle, not the pass's
        MigrationJournal journal = new MigrationJournal(root.resolve("migrations"));
        // after recovery (every local container known) and before the API serves: join, and settle ownership
        cluster = ClusterStartup.start(new ClusterStartup.Inputs(config, plugins, nodeId, root, deadlines, processes,
                containers, store, backend == null ? "" : backend.capabilities().version(), startedAt,
                journal::active));
        cluster.start();
        if (cluster.clustered()) {
            // a post-copy whose dump failed runs here again, and its migration takes the record back itself
            failover = Failover.start(cluster, containers, checkpoints, policies,
                    e -> store.commit(StateStore.Change.events(e)), id -> journal.get(id)
                            .filter(m -> MigrationMode.POSTCOPY.text().equals(m.mode())).isPresent());
        }
        migrations = Migrations.start(cluster, containers, checkpoints, policies, journal,
                e -> store.commit(StateStore.Change.events(e)), deadlines.checkpoint(), pageServerCredentials());

        Map<String, String> kafkaInfo = startPublisher(nodeId);
        runtimeVersion = memoize(runtime::version);
        InfoResponse.Builder info = InfoResponse.newBuilder()
                .setNode(nodeId).setVersion(SystemApi.VERSION).setRoot(root.toString())
                .setSocket(config.socket().toString()).setDefaultMonitor(monitors.defaultName())
                .addAllMonitors(monitors.names()).setRuntime(config.runtime().path().toString())
                .setOrphanPolicy(config.orphanPolicy().name())
                .setStartedAt(startedAt.toString()).putAllCheckpoint(checkpointInfo);
        Supplier<InfoResponse.Builder> liveInfo = () -> {
            InfoResponse.Builder b = info.clone().putAllEvents(kafkaInfo).setRuntimeVersion(runtimeVersion.get());
            if (publisher != null) {
                b.putEvents("connected", Boolean.toString(publisher.connected()));
                b.putEvents("published", Long.toString(publisher.publishedCount()));
                publisher.lastError().ifPresent(e -> b.putEvents("lastError", e));
            }
            return b;
        };
        ClusterNode node = cluster;
        List<BindableService> services = new java.util.ArrayList<>(List.of(
                new ContainersApi(containers, runtime, metrics, requests, node::changed,
                        failover == null ? java.util.Optional.empty() : failover.lost(), journal::active),
                new EventsApi(store, containers, requests),
                new CheckpointsApi(checkpoints, policies, checkpointsUnavailable, requests, node::changed),
                new SystemApi(liveInfo, store, node::info),
                new ImagesApi(images, storageUnavailable, requests),
                new MigrationsApi(migrations.source(), checkpointsUnavailable, requests)));
        services.addAll(node.services());
        grpc = new GrpcServer(config.socket());
        // TCP first: once the Unix socket exists, every endpoint answers (scripts and tests wait for the socket)
        if (config.listen().isPresent()) {
            HydraConfig.Tls tls = config.tls();
            if (tls.cert().isEmpty() || tls.key().isEmpty() || tls.ca().isEmpty()) {
                throw new IllegalStateException("--listen serves gRPC over TCP only with mutual TLS: give --tls-cert,"
                        + " --tls-key and --tls-ca");
            }
            grpc.startTcp(config.listen().get(), tls.cert().get(), tls.key().get(), tls.ca().get(), services,
                    node.tcpOnlyServices(prefetcher()), requests);
        }
        grpc.startUnix(config.socketGroup(), services, requests);

        scheduler = Executors.newSingleThreadScheduledExecutor(named("hydra-reconcile"));
        long every = Math.max(100, config.reconcileInterval().toMillis());
        scheduler.scheduleWithFixedDelay(() -> {
            try {
                metrics.timeReconcile("periodic", () -> {
                    int busy = recovery.reconcile();
                    if (busy > 0) {
                        LOG.debugf("reconcile skipped %d busy containers until the next pass", busy);
                    }
                    return null;
                });
            } catch (RuntimeException e) {
                LOG.error("reconcile pass failed", e);
            }
        }, every, every, TimeUnit.MILLISECONDS);
        scheduler.scheduleWithFixedDelay(() -> {
            try {
                int pruned = store.prune(config.events().retain(), publisher != null);
                if (pruned > 0) {
                    LOG.debugf("pruned %d old events from the outbox", pruned);
                }
            } catch (RuntimeException e) {
                LOG.warn("event pruning failed: " + e.getMessage());
            }
        }, 1, 10, TimeUnit.MINUTES);
        if (images != null) {
            // blobs a removed image or a failed pull left are candidates; this sweep deletes those past their grace
            // period that no ref or pin of any node names (on the background pool: S3 must not delay a reconcile)
            scheduler.scheduleWithFixedDelay(() -> background.execute(() -> {
                try {
                    int deleted = images.collectGarbage();
                    if (deleted > 0) {
                        LOG.infof("image garbage collection deleted %d unused blobs", deleted);
                    }
                } catch (RuntimeException e) {
                    LOG.warn("image garbage collection failed: " + e.getMessage());
                }
            }), 10, 10, TimeUnit.MINUTES);
        }
        if (policies != null) {
            scheduler.scheduleWithFixedDelay(() -> {
                try {
                    policies.runDue();
                } catch (RuntimeException e) {
                    LOG.error("checkpoint policy pass failed", e);
                }
            }, 1, 1, TimeUnit.SECONDS);
        }

        store.commit(StateStore.Change.events(HydraEvent.of(EventType.DAEMON_STARTED, nodeId, "", Map.of(
                "pid", ProcessHandle.current().pid(), "version", SystemApi.VERSION))));
        ready = true;
        LOG.infof("hydra daemon ready on unix://%s (node %s, monitor %s, %d ms after process start):"
                        + " %d containers adopted, %d exited while down, %d orphaned, %d half-created rolled back,"
                        + " %d interrupted changes and %d interrupted checkpoints settled",
                config.socket(), nodeId, monitors.defaultName(), System.currentTimeMillis() - processStart,
                recovered.adopted(), recovered.exitedWhileDown(), recovered.orphaned(), recovered.rolledBack(),
                recovered.intentsSettled(), checkpointsSettled);
    }

    /**
     * Storage, backend and repository. A storage or backend name that does not exist stops the daemon; a backend
     * that cannot work on this host (no CRIU >= 4) only turns checkpoints off, with the reason in `hydra info`.
     */
    /**
     * Creates the checkpoint backend on another thread: the CRIU plugin probes the host (four criu runs, about a
     * third of a second), which would otherwise sit between the daemon's start and its recovery pass.
     */
    private CompletableFuture<CheckpointBackend> probeCheckpointBackend(PluginRegistry plugins, Path root,
                                                                        String nodeId, Deadlines deadlines,
                                                                        ProcessRunner processes) {
        if (!plugins.names(CheckpointBackend.class).contains(config.checkpoint().backend())) {
            throw new IllegalStateException("hydra.checkpoint: unknown checkpoint backend '"
                    + config.checkpoint().backend() + "': known backends are "
                    + String.join(", ", plugins.names(CheckpointBackend.class)));
        }
        return CompletableFuture.supplyAsync(() -> plugins.create(CheckpointBackend.class, "checkpoint",
                config.checkpoint().backend(), new PluginContext(nodeId, root.resolve("plugins").resolve("checkpoint"),
                        pluginSettings("checkpoint", config.checkpoint().backend()), deadlines, processes)));
    }

    private Map<String, String> startCheckpoints(PluginRegistry plugins, CompletableFuture<CheckpointBackend> probe,
                                                 Path root, String nodeId, OciRuntime runtime, Deadlines deadlines,
                                                 ProcessRunner processes) throws IOException {
        Map<String, String> info = new TreeMap<>();
        info.put("backend", config.checkpoint().backend());
        info.put("storage", config.storage());
        info.put("signing", keys.signing());
        info.put("encryption", keys.encryption());
        try {
            if (blobStore == null) {
                throw new IllegalStateException(storageUnavailable);
            }
            backend = probe.join();
        } catch (RuntimeException e) {
            Throwable cause = e instanceof CompletionException && e.getCause() != null ? e.getCause() : e;
            checkpointsUnavailable = cause.getMessage();
            LOG.errorf("checkpoints are off: %s", cause.getMessage());
            info.put("unavailable", cause.getMessage());
            return info;
        }
        RepositorySettings settings = keys.applyTo(
                RepositorySettings.defaults().withParallelism(config.checkpoint().parallelism())
                        .withPageImages(config.checkpoint().pageImages()));
        // The chunk index is a cache of the store on disk, so the heap does not grow with the bucket.
        Path chunkIndex = root.resolve("checkpoint-index");
        createPrivateDirectory(chunkIndex);
        // packs a migration's target pulls ahead of the restore; every read of them is verified like the store's
        packCache = new PackCache(blobStore, root.resolve("checkpoint-cache"), config.checkpoint().cacheSize()
                .asLongValue());
        CheckpointRepository repository = new CheckpointRepository(packCache, settings, chunkIndex.resolve("chunks.db"));
        this.repository = repository;
        if (keys.keyGeneratedNow()) {
            // only on the local fs store: versions checkpointed before the upgrade would otherwise be refused
            try {
                LOG.infof("signed %d unsigned checkpoint manifest(s) of the local store with the new key",
                        repository.signUnsignedManifests());
            } catch (IOException e) {
                LOG.errorf("could not sign the local store's unsigned manifests with the new key (older versions"
                        + " will be refused): %s", e.getMessage());
            }
        }
        Path staging = config.checkpoint().workDir().orElse(root.resolve("checkpoints"));
        createPrivateDirectory(staging);
        // a daemon killed mid-checkpoint leaves its staged image behind: an intent that refers to it may hold the
        // only copy of a container's processes (recovery settles it); the rest nothing refers to
        CheckpointRecovery.cleanStaging(containers.containers(), staging);
        checkpoints = new CheckpointService(containers, store, runtime, backend, repository, blobStore, staging, nodeId,
                config.checkpoint().maxConcurrent(), config.checkpoint().unsignedRestore(),
                privateDirectory(root.resolve("lazy-pages")));
        // in a cluster, only the owner of a container, while certainly a member, writes its versions
        policies = new CheckpointPolicies(checkpoints, containers, store, Executors.newFixedThreadPool(
                Math.max(2, config.checkpoint().maxConcurrent()), named("hydra-policy")),
                id -> cluster == null ? java.util.Optional.of("the node has not joined its cluster yet")
                        : cluster.checkpointRefusal(id));
        CheckpointCapabilities caps = backend.capabilities();
        info.put("tool", caps.tool() + " " + caps.version());
        info.put("check", caps.check());
        info.put("memoryDirtyTracking", Boolean.toString(caps.memoryDirtyTracking()));
        info.put("lazyPages", Boolean.toString(caps.lazyPages()));
        info.put("manifestMac", Boolean.toString(keys.macKey().isPresent()));
        info.put("unsignedRestore", Boolean.toString(config.checkpoint().unsignedRestore()));
        return info;
    }

    /**
     * The blob store checkpoints and images share. A storage name that does not exist, or a missing or bad manifest
     * key, stops the daemon; a store that cannot be opened turns checkpoints and images off, with the reason.
     */
    private void openStorage(PluginRegistry plugins, Path root, String nodeId, Deadlines deadlines,
                             ProcessRunner processes) {
        if (!plugins.names(BlobStore.class).contains(config.storage())) {
            throw new IllegalStateException("hydra.storage: unknown storage '" + config.storage()
                    + "': known storages are " + String.join(", ", plugins.names(BlobStore.class)));
        }
        // before the store is touched: a missing or bad key stops the daemon, it does not just turn checkpoints off
        keys = CheckpointKeys.load(config.checkpoint().key(), config.checkpoint().unsigned(),
                config.checkpoint().encryptionKey(), config.storage(), root);
        try {
            blobStore = plugins.create(BlobStore.class, "storage", config.storage(),
                    new PluginContext(nodeId, root.resolve("storage"), pluginSettings("storage", config.storage()),
                            deadlines, processes));
        } catch (RuntimeException e) {
            storageUnavailable = "the " + config.storage() + " storage cannot be opened: " + e.getMessage();
            LOG.errorf("checkpoints and images are off: %s", storageUnavailable);
        }
    }

    /** Images live in the blob store, signed with the manifest key, so they work whether or not CRIU does. */
    private void startImages(Path root, String nodeId) throws IOException {
        if (blobStore == null) {
            return;
        }
        Supplier<RegistryCredentials> credentials = () -> RegistryCredentials.locate(System.getenv(),
                config.registries().authFile(), Path.of(System.getProperty("user.home")));
        RegistryClient registryClient = new RegistryClient(
                new java.util.HashSet<>(config.registries().insecure().orElse(List.of())), credentials);
        Path work = root.resolve("images");
        createPrivateDirectory(work);
        images = new ImageService(new ImageStore(blobStore, keys.macKey()), registryClient, work,
                digest -> store.all().stream().anyMatch(r -> digest.equals(r.options().imageDigest())),
                event -> {
                    store.commit(StateStore.Change.events(event));
                    if (EventType.IMAGE_REMOVED.equals(event.type()) && unusedLayers != null) {
                        unusedLayers.collectSoon();
                    }
                }, nodeId);
    }

    /**
     * Container roots from images: the layer cache under the root, filled from the image store, and overlays over
     * it; cached layers nothing uses any more go after a container or an image is removed.
     */
    private ImageRoots imageRoots(Path root, String nodeId) {
        if (images == null) {
            return ImageRoots.unavailable(storageUnavailable == null ? "no storage" : storageUnavailable);
        }
        ImageStore imageStore = images.store();
        LayerUnpacker unpacker = new LayerUnpacker();
        LayerCache cache = new LayerCache(root, imageStore::openLayer, unpacker);
        unusedLayers = new UnusedLayers(store, imageStore, images::list, cache, background);
        return new ImageRoots(imageStore, new OverlayContainerRootfs(cache, unpacker), images, nodeId,
                unusedLayers::collectSoon);
    }

    /** What a migration's source asks of this node: a version's packs pulled into the pack cache ahead of time. */
    private Prefetcher prefetcher() {
        if (repository == null || packCache == null) {
            return Prefetcher.NONE;
        }
        CheckpointRepository repo = repository;
        PackCache cache = packCache;
        return (containerId, version) -> {
            PackCache.Fetched done = cache.fetchAll(repo.packs(containerId, version));
            return new Prefetcher.Prefetched(done.fetchedBytes(), done.cachedBytes());
        };
    }

    /** The Kafka publisher draining the outbox, when Kafka is configured; it never blocks the daemon. */
    private Map<String, String> startPublisher(String nodeId) {
        Map<String, String> info = new TreeMap<>();
        if (config.kafka().isEmpty()) {
            info.put("kafka", "off: events stay in the local outbox");
            return info;
        }
        CloudEventMode mode;
        PublisherSettings settings;
        try {
            mode = CloudEventMode.parse(config.events().mode());
            settings = new PublisherSettings(config.kafka().get(), config.events().topic(), mode, "hydra-" + nodeId,
                    config.events().producer());
        } catch (IllegalArgumentException e) {
            throw new IllegalStateException("Kafka settings: " + e.getMessage());
        }
        publisher = KafkaEventPublisher.start(store, settings);
        info.put("kafka", config.kafka().get());
        info.put("topic", config.events().topic());
        info.put("mode", mode.name().toLowerCase());
        Gauge.builder("hydra.events.published", publisher, KafkaEventPublisher::publishedCount)
                .description("Events acknowledged by Kafka since start").register(registry);
        return info;
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
            if (migrations != null) {
                migrations.close();
            }
            if (failover != null) {
                failover.close();
            }
            if (cluster != null) {
                cluster.close();
            }
            if (publisher != null) {
                publisher.close();
            }
            if (background != null) {
                background.shutdown();
                background.awaitTermination(5, TimeUnit.SECONDS);
            }
            if (monitors != null) {
                monitors.close();
            }
            if (backend != null) {
                backend.close();
            }
            if (blobStore != null) {
                blobStore.close();
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

    private static Supplier<String> memoize(Supplier<String> supplier) {
        java.util.concurrent.atomic.AtomicReference<String> value = new java.util.concurrent.atomic.AtomicReference<>();
        return () -> value.updateAndGet(v -> v != null ? v : supplier.get());
    }

    public boolean ready() {
        return ready;
    }

    /** The deadlines of external commands; a zero or negative one is refused naming its setting. */
    private Deadlines deadlines() {
        try {
            return new Deadlines(config.runtime().timeout(), config.checkpoint().timeout());
        } catch (IllegalArgumentException e) {
            throw new IllegalStateException(e.getMessage());
        }
    }

    private Map<String, String> pluginSettings(String type, String name) {
        return config.plugin().getOrDefault(type, Map.of()).getOrDefault(name, Map.of());
    }

    /** A cluster node serves post-copy's pages on its --listen address, with its peer API's certificates. */
    private Optional<PageServerCredentials> pageServerCredentials() {
        HydraConfig.Tls tls = config.tls();
        if (!cluster.clustered() || config.listen().isEmpty() || tls.ca().isEmpty() || tls.cert().isEmpty()
                || tls.key().isEmpty()) {
            return Optional.empty();
        }
        return Optional.of(PageServerCredentials.of(config.listen().get(), tls.ca().get(), tls.cert().get(),
                tls.key().get()));
    }

    private static Path privateDirectory(Path dir) throws IOException {
        createPrivateDirectory(dir);
        return dir;
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
