package io.hydra.runtime.cluster;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

import org.jboss.logging.Logger;

import io.hydra.runtime.HydraConfig;
import io.hydra.runtime.container.ContainerService;
import io.hydra.runtime.plugin.PluginRegistry;
import io.hydra.runtime.state.StateStore;
import io.hydra.spi.cluster.Coordinator;
import io.hydra.spi.cluster.CoordinatorException;
import io.hydra.spi.plugin.PluginContext;
import io.hydra.spi.process.Deadlines;
import io.hydra.spi.process.ProcessRunner;
import io.hydra.spi.scheduler.Scheduler;

/**
 * Brings this daemon into its cluster, after recovery and before the API serves, or leaves it a single node when
 * there is no {@code hydra.cluster}. In order: settings (a bad one stops the daemon naming it), the scheduler and the
 * coordinator plugins by name, the join (an unreachable coordinator or a node id held by a live daemon stops the
 * daemon within seconds, unless single-node fallback is on), then the ownership check of every local container
 * (a container moved while the daemon was away is removed here, one given up as lost is taken back).
 */
public final class ClusterStartup {
    /**
     * The longest start-up waits for one coordinator step before it gives up: never a hang. The plugin's own call
     * deadlines report an unreachable engine well before; this only bounds a plugin that would not.
     */
    static final Duration JOIN_DEADLINE = Duration.ofSeconds(15);
    private static final Logger LOG = Logger.getLogger(ClusterStartup.class);

    /** What the cluster start-up needs of the daemon. */
    public record Inputs(HydraConfig config, PluginRegistry plugins, String nodeId, Path root, Deadlines deadlines,
                         ProcessRunner processes, ContainerService containers, StateStore store, String criuVersion,
                         Instant startedAt, java.util.function.Predicate<String> migrating) {
    }

    private ClusterStartup() {
    }

    /**
     * Checks the settings that need nothing started (labels, the cluster URL, --listen with mutual TLS, the plugin
     * names), so the daemon refuses a bad one before it writes anything. Returns the parsed labels.
     */
    public static Map<String, String> checkSettings(HydraConfig config, PluginRegistry plugins) {
        Map<String, String> labels;
        try {
            labels = NodeLabels.parse(config.labels().orElse(""));
        } catch (IllegalArgumentException e) {
            throw new IllegalStateException(e.getMessage());
        }
        if (config.cluster().url().isEmpty()) {
            return labels;
        }
        ClusterUrl url = url(config);
        address(config);
        if (!plugins.names(Coordinator.class).contains(url.scheme())) {
            throw new IllegalStateException("hydra.cluster (--cluster " + url + "): unknown coordinator '"
                    + url.scheme() + "': known coordinators are " + known(plugins, Coordinator.class));
        }
        if (!plugins.names(Scheduler.class).contains(config.scheduler())) {
            throw new IllegalStateException("hydra.scheduler (--scheduler): unknown scheduler '" + config.scheduler()
                    + "': known schedulers are " + known(plugins, Scheduler.class));
        }
        Duration ttl = config.cluster().ttl();
        Duration margin = config.cluster().fenceMargin();
        if (ttl.toMillis() < 1000) {
            throw new IllegalStateException("hydra.cluster.ttl must be at least 1s, got " + ttl.toMillis() + " ms");
        }
        if (margin.isNegative() || margin.isZero() || margin.compareTo(ttl) >= 0) {
            throw new IllegalStateException("hydra.cluster.fence-margin must be more than 0 and less than"
                    + " hydra.cluster.ttl (" + ttl.toMillis() + " ms), got " + margin.toMillis() + " ms");
        }
        if (config.cluster().grace().isNegative()) {
            throw new IllegalStateException("hydra.cluster.grace must not be negative, got "
                    + config.cluster().grace().toMillis() + " ms");
        }
        return labels;
    }

    /** Joins the cluster (or not) and settles the local containers' ownership; the caller then serves the API. */
    public static ClusterNode start(Inputs in) {
        HydraConfig config = in.config();
        Map<String, String> labels = checkSettings(config, in.plugins());
        Clock clock = Clock.systemUTC();
        if (config.cluster().url().isEmpty()) {
            LocalNode node = new LocalNode(in.nodeId(), config.listen().orElse(""), labels, in.criuVersion(),
                    in.store(), in.startedAt());
            return ClusterNode.single(node, "none");
        }
        ClusterUrl url = url(config);
        String address = address(config);
        LocalNode node = new LocalNode(in.nodeId(), address, labels, in.criuVersion(), in.store(), in.startedAt());
        Scheduler scheduler = in.plugins().create(Scheduler.class, "scheduler", config.scheduler(),
                new PluginContext(in.nodeId(), in.root().resolve("plugins").resolve("scheduler")
                        .resolve(config.scheduler()), settings(config, "scheduler", config.scheduler()),
                        in.deadlines(), in.processes()));
        Path stateDir = in.root().resolve("plugins").resolve("cluster").resolve(url.scheme());
        createPrivateDirectory(stateDir);
        createPrivateDirectory(in.root().resolve("cluster"));
        Coordinator coordinator;
        NodeAgent agent;
        try {
            coordinator = withDeadline("connect to the coordinator at " + url, () -> in.plugins().create(
                    Coordinator.class, "cluster", url.scheme(), new PluginContext(in.nodeId(), stateDir,
                            coordinatorSettings(config, url), in.deadlines(), in.processes())));
            agent = new NodeAgent(coordinator, node, clock);
            NodeAgent joining = agent;
            try {
                withDeadline("join the cluster at " + url, () -> joinRetrying(joining));
            } catch (RuntimeException e) {
                coordinator.close();
                throw e;
            }
        } catch (CoordinatorException e) {
            if (e.kind() == CoordinatorException.Kind.NODE_ID_TAKEN) {
                throw new IllegalStateException("hydra.node-id (--node-id " + in.nodeId() + "): " + e.getMessage());
            }
            String reason = "the coordinator at " + url + " cannot be reached: " + e.getMessage();
            if (config.cluster().singleNodeFallback()) {
                LOG.errorf("running as a single node (hydra.cluster.single-node-fallback): %s", reason);
                return ClusterNode.single(node, reason);
            }
            throw new IllegalStateException(reason + " (set hydra.cluster.single-node-fallback=true to run as a"
                    + " single node instead)");
        }
        Ownerships ownerships = new Ownerships(coordinator);
        PeerDirectory peers = new PeerDirectory(in.nodeId());
        HydraConfig.Tls tls = config.tls();
        PeerClient peerClient = new PeerClient(in.nodeId(), tls.cert().get(), tls.key().get(), tls.ca().get());
        FenceState fence = new FenceState();
        LocalCopies copies = new LocalCopies(in.containers(), in.store(),
                new FencedContainers(in.root().resolve("cluster").resolve("fenced")));
        OwnershipView view = new OwnershipView(coordinator, ownerships, in.nodeId(),
                id -> in.store().byId(id).isPresent());
        OwnershipSync sync = new OwnershipSync(ownerships, view, in.store(), copies, fence, node, clock,
                in.migrating());
        Fencing fencing = new Fencing(agent, coordinator::reachable, peers::others, (list, deadline) -> peerClient.probeAll(list,
                java.util.List.of(), deadline), new NodeFreezer(in.store(), copies, sync), fence,
                config.cluster().fenceMargin(), clock);
        if (!copies.fenced().ids().isEmpty()) {
            fence.set(FenceState.Standing.FENCED, "containers frozen by fencing before this daemon started");
        }
        try {
            view.start();
            sync.atStartup();
        } catch (RuntimeException e) {
            view.close();
            peerClient.close();
            coordinator.close();
            throw new IllegalStateException("cannot check the ownership of this node's containers with the"
                    + " coordinator at " + url + ": " + e.getMessage(), e);
        }
        if (fence.fenced() && copies.fenced().ids().isEmpty()) {
            fence.set(FenceState.Standing.MEMBER, "");
        }
        LOG.infof("node %s joined the cluster at %s as %s (%s; scheduler %s)", in.nodeId(), url, address,
                agent.membership().rejoined() ? "on a new lease: the one it had expired while it was away"
                        : "on its lease", scheduler.name());
        return ClusterNode.clustered(node, new ClusterNode.Parts(coordinator, ownerships, scheduler, agent, peers,
                peerClient, fence, copies, view, sync, fencing, config.cluster(), url));
    }

    private static ClusterUrl url(HydraConfig config) {
        try {
            return ClusterUrl.parse(config.cluster().url().get());
        } catch (IllegalArgumentException e) {
            throw new IllegalStateException(e.getMessage());
        }
    }

    /** The node's address for its peers: --listen, which must be served with mutual TLS and be a real address. */
    static String address(HydraConfig config) {
        String listen = config.listen().orElseThrow(() -> new IllegalStateException("--cluster needs --listen"
                + " HOST:PORT (with --tls-cert, --tls-key and --tls-ca): the other nodes reach this one there"));
        HydraConfig.Tls tls = config.tls();
        if (tls.cert().isEmpty() || tls.key().isEmpty() || tls.ca().isEmpty()) {
            throw new IllegalStateException("--cluster needs mutual TLS on --listen " + listen + ": give --tls-cert,"
                    + " --tls-key and --tls-ca (the node's certificate and key, and the cluster's CA)");
        }
        int colon = listen.lastIndexOf(':');
        String host = colon > 0 ? listen.substring(0, colon) : "";
        if (host.startsWith("[") && host.endsWith("]")) {
            host = host.substring(1, host.length() - 1);
        }
        try {
            if (host.isEmpty() || InetAddress.getByName(host).isAnyLocalAddress()) {
                throw new IllegalStateException("--listen " + listen + ": with --cluster this is the address the"
                        + " other nodes reach this one at, so it must name this node's address, not a wildcard");
            }
        } catch (UnknownHostException e) {
            throw new IllegalStateException("--listen " + listen + ": unknown host '" + host + "'");
        }
        return listen;
    }

    /** The user's hydra.plugin.cluster.NAME.* plus what the core decides: the endpoints and the lease's TTL. */
    static Map<String, String> coordinatorSettings(HydraConfig config, ClusterUrl url) {
        Map<String, String> s = new HashMap<>(settings(config, "cluster", url.scheme()));
        s.put("endpoints", url.endpoints());
        s.put("ttl", durationText(config.cluster().ttl()));
        return s;
    }

    /** {@code 3s}, or {@code 2500ms} when it is not a whole number of seconds. */
    static String durationText(Duration d) {
        return d.toMillis() % 1000 == 0 ? d.toSeconds() + "s" : d.toMillis() + "ms";
    }

    private static Map<String, String> settings(HydraConfig config, String type, String name) {
        return config.plugin().getOrDefault(type, Map.of()).getOrDefault(name, Map.of());
    }

    private static void createPrivateDirectory(Path dir) {
        try {
            if (!java.nio.file.Files.isDirectory(dir)) {
                java.nio.file.Files.createDirectories(dir);
                java.nio.file.Files.setPosixFilePermissions(dir,
                        java.nio.file.attribute.PosixFilePermissions.fromString("rwx------"));
            }
        } catch (java.io.IOException e) {
            throw new IllegalStateException("cannot create " + dir + ": " + e.getMessage(), e);
        }
    }

    private static String known(PluginRegistry plugins, Class<?> type) {
        return plugins.names(type).isEmpty() ? "none (no such plugin is installed)"
                : String.join(", ", plugins.names(type));
    }

    /**
     * Joins, trying again while the coordinator only does not answer (a first contact under load, etcd restarting),
     * until a little before the start-up deadline; the last failure is the one reported.
     */
    private static Object joinRetrying(NodeAgent agent) {
        long giveUpAt = System.nanoTime() + JOIN_DEADLINE.minusSeconds(4).toNanos();
        long backoff = 200;
        while (true) {
            try {
                agent.join();
                return null;
            } catch (CoordinatorException e) {
                if (e.kind() != CoordinatorException.Kind.UNREACHABLE || System.nanoTime() + backoff * 1_000_000
                        > giveUpAt) {
                    throw e;
                }
                LOG.warnf("the coordinator did not answer (%s); joining again in %d ms", e.getMessage(), backoff);
            }
            try {
                Thread.sleep(backoff); // a back-off between attempts at an engine that does not answer
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted while joining the cluster");
            }
            backoff = Math.min(2000, backoff * 2);
        }
    }

    /** Runs a coordinator call with an overall deadline, so start-up fails with a clear error rather than hang. */
    private static <T> T withDeadline(String what, java.util.function.Supplier<T> call) {
        // a thread of its own: the common pool may be one thread on a small machine, and a plugin may need it
        java.util.concurrent.ExecutorService thread = java.util.concurrent.Executors.newSingleThreadExecutor(r -> {
            Thread t = new Thread(r, "hydra-cluster-join");
            t.setDaemon(true);
            return t;
        });
        CompletableFuture<T> f = CompletableFuture.supplyAsync(call, thread);
        thread.shutdown();
        try {
            return f.get(JOIN_DEADLINE.toMillis(), TimeUnit.MILLISECONDS);
        } catch (TimeoutException e) {
            f.cancel(true);
            throw new CoordinatorException(CoordinatorException.Kind.UNREACHABLE, "could not " + what + " within "
                    + JOIN_DEADLINE.toSeconds() + " s");
        } catch (ExecutionException e) {
            if (e.getCause() instanceof RuntimeException r) {
                throw r;
            }
            throw new IllegalStateException("could not " + what + ": " + e.getCause().getMessage(), e.getCause());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while trying to " + what);
        }
    }
}
