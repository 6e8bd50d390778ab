package io.hydra.runtime.cluster;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import org.jboss.logging.Logger;

import io.grpc.BindableService;
import io.hydra.runtime.HydraConfig;
import io.hydra.spi.cluster.Coordinator;
import io.hydra.spi.cluster.Subscription;
import io.hydra.spi.scheduler.Scheduler;

/**
 * This daemon's part in its cluster once started: the services it adds to the API, what {@code hydra info} shows,
 * and the periodic work (fencing every {@link #FENCE_EVERY}, the ownership pass and the node record's refresh
 * every few seconds) on threads of its own, so nothing else can delay a freeze. A daemon without a cluster (or
 * fallen back to one node) has a {@code ClusterNode} too: it serves {@code hydra nodes} with itself alone.
 */
public final class ClusterNode implements AutoCloseable {
    static final Duration FENCE_EVERY = Duration.ofMillis(200);
    static final Duration SYNC_EVERY = Duration.ofSeconds(2);
    private static final Logger LOG = Logger.getLogger(ClusterNode.class);

    /** What exists only in cluster mode. */
    record Parts(Coordinator coordinator, Ownerships ownerships, Scheduler scheduler, NodeAgent agent,
                 PeerDirectory peers, PeerClient peerClient, FenceState fence, LocalCopies copies, OwnershipView view, OwnershipSync sync,
                 Fencing fencing, HydraConfig.Cluster settings, ClusterUrl url) {
    }

    private final LocalNode node;
    private final Optional<Parts> parts;
    private final String singleReason;
    private ScheduledExecutorService fenceThread;
    private ScheduledExecutorService syncThread;
    private Subscription memberWatch;

    private ClusterNode(LocalNode node, Optional<Parts> parts, String singleReason) {
        this.node = node;
        this.parts = parts;
        this.singleReason = singleReason;
    }

    /** A daemon on its own: {@code reason} says why ("none": no {@code --cluster}; or why it fell back). */
    public static ClusterNode single(LocalNode node, String reason) {
        return new ClusterNode(node, Optional.empty(), reason);
    }

    static ClusterNode clustered(LocalNode node, Parts parts) {
        return new ClusterNode(node, Optional.of(parts), "");
    }

    public boolean clustered() {
        return parts.isPresent();
    }

    public String nodeId() {
        return node.nodeId();
    }

    public Optional<Coordinator> coordinator() {
        return parts.map(Parts::coordinator);
    }

    public Optional<Ownerships> ownerships() {
        return parts.map(Parts::ownerships);
    }

    public Optional<Scheduler> scheduler() {
        return parts.map(Parts::scheduler);
    }

    /** The node-to-node client ({@code probeAll}) for the failover controller's rootfs question. */
    public Optional<PeerClient> peerClient() {
        return parts.map(Parts::peerClient);
    }

    /** This node's copies: {@link LocalCopies#removeStale} removes one another node owns, keeping its checkpoints. */
    public Optional<LocalCopies> localCopies() {
        return parts.map(Parts::copies);
    }

    public Optional<HydraConfig.Cluster> settings() {
        return parts.map(Parts::settings);
    }

    /** Served on the Unix socket and on TCP. */
    public List<BindableService> services() {
        return List.of(new ClusterApi(coordinator(), () -> parts.map(p -> p.agent().advertised())
                .orElseGet(() -> node.record(java.time.Instant.now()))));
    }

    /**
     * Served on the TCP endpoint only (mutual TLS): never on the Unix socket.
     *
     * @param prefetcher pulls checkpoint versions into this node's cache when a migration's source asks
     */
    public List<BindableService> tcpOnlyServices(Prefetcher prefetcher) {
        return parts.map(p -> List.<BindableService>of(new PeerApi(node.nodeId(),
                p.coordinator()::reachable, () -> confirmedJustNow(p), prefetcher))).orElse(List.of());
    }

    /** Another live member of the cluster, as the member watch last reported it. */
    public Optional<NodeRecord> peer(String nodeId) {
        return parts.flatMap(p -> p.peers().others().stream().filter(r -> r.id().equals(nodeId)).findFirst());
    }

    /** The other live members' ids, sorted. */
    public List<String> peerIds() {
        return parts.map(p -> p.peers().others().stream().map(NodeRecord::id).sorted().toList()).orElse(List.of());
    }

    /** Whether this node is a confirmed member now (not fenced, not unsure of its lease). */
    public boolean member() {
        return parts.map(p -> p.fence().standing() == FenceState.Standing.MEMBER).orElse(false);
    }

    /** The lease was confirmed by the engine within the last poll or so: its end is more than a margin away. */
    private static boolean confirmedJustNow(Parts p) {
        var m = p.agent().membership();
        return m != null && !m.expired() && java.time.Instant.now().isBefore(m.liveUntil()
                .minus(p.settings().fenceMargin()));
    }

    /**
     * Why a policy checkpoint of the container must wait, if it must: a node that may be lost, or that does not
     * own the container (running), must never write a version the new owner would then restore from.
     */
    public Optional<String> checkpointRefusal(String containerId) {
        if (parts.isEmpty()) {
            return Optional.empty();
        }
        Parts p = parts.get();
        if (p.fence().standing() != FenceState.Standing.MEMBER) {
            return Optional.of("node " + node.nodeId() + " is " + p.fence().standing().name().toLowerCase() + ": "
                    + p.fence().get().reason());
        }
        Optional<Ownerships.Versioned> record = p.ownerships().get(containerId);
        if (record.isEmpty()) {
            return Optional.of("it has no ownership record yet");
        }
        OwnershipRecord o = record.get().record();
        if (!o.node().equals(node.nodeId()) || o.state() != OwnershipRecord.State.RUNNING) {
            return Optional.of("its ownership record names node " + o.node() + " (" + o.state().name()
                    .toLowerCase() + ", epoch " + o.epoch() + ")");
        }
        return Optional.empty();
    }

    /** The epoch under which this node owns the container, when it does. */
    public Optional<Long> epoch(String containerId) {
        return parts.flatMap(p -> p.ownerships().get(containerId)).map(v -> v.record())
                .filter(o -> o.node().equals(node.nodeId())).map(OwnershipRecord::epoch);
    }

    /** An API call changed the container: its record follows now rather than at the next pass. */
    public void changed(String containerId) {
        parts.ifPresent(p -> {
            try {
                p.sync().changed(containerId);
            } catch (RuntimeException e) {
                LOG.warnf("ownership record of %s not updated now (the next pass retries): %s", containerId,
                        e.getMessage());
            }
        });
    }

    /** {@code hydra info}'s cluster section. */
    public Map<String, String> info() {
        Map<String, String> info = new TreeMap<>();
        if (parts.isEmpty()) {
            info.put("coordinator", "none");
            if (!"none".equals(singleReason)) {
                info.put("singleNode", singleReason);
            }
            return info;
        }
        Parts p = parts.get();
        info.put("coordinator", p.url().scheme());
        info.put("endpoints", p.url().endpoints());
        info.put("address", node.address());
        info.put("ttl", p.settings().ttl().toMillis() + "ms");
        info.put("fenceMargin", p.settings().fenceMargin().toMillis() + "ms");
        info.put("scheduler", p.scheduler().name());
        info.put("labels", node.labels().toString());
        FenceState.Snapshot s = p.fence().get();
        info.put("fencing", s.standing().name().toLowerCase());
        if (!s.reason().isEmpty()) {
            info.put("fencingReason", s.reason());
            info.put("fencingSince", s.since().toString());
        }
        info.put("fenced", Integer.toString(p.copies().fenced().ids().size()));
        info.put("peers", Integer.toString(p.peers().others().size()));
        try {
            info.put("leader", p.coordinator().leader().orElse(""));
        } catch (RuntimeException e) {
            info.put("leader", "unknown: " + e.getMessage());
        }
        return info;
    }

    /** Starts the periodic work: fencing first (it must run from the moment the node joined), then the rest. */
    public void start() {
        if (parts.isEmpty()) {
            return;
        }
        Parts p = parts.get();
        memberWatch = p.coordinator().watchMembers(p.peers());
        // the members known now were reported first: connect before fencing may need them
        guarded("peer connections", () -> p.peerClient().connect(p.peers().others()));
        fenceThread = Executors.newSingleThreadScheduledExecutor(named("hydra-fencing"));
        fenceThread.scheduleWithFixedDelay(() -> guarded("fencing", p.fencing()::tick), 0, FENCE_EVERY.toMillis(),
                TimeUnit.MILLISECONDS);
        syncThread = Executors.newSingleThreadScheduledExecutor(named("hydra-ownership"));
        syncThread.scheduleWithFixedDelay(() -> {
            guarded("peer connections", () -> p.peerClient().connect(p.peers().others()));
            if (p.fence().standing() == FenceState.Standing.MEMBER) {
                // a node that may be cut off has nothing to tell the coordinator that fencing does not handle
                guarded("node record refresh", p.agent()::refresh);
            }
            guarded("ownership pass", p.sync()::pass);
        }, SYNC_EVERY.toMillis(), SYNC_EVERY.toMillis(), TimeUnit.MILLISECONDS);
    }

    @Override
    public void close() {
        for (ScheduledExecutorService s : new ScheduledExecutorService[] {fenceThread, syncThread}) {
            if (s != null) {
                s.shutdownNow();
            }
        }
        if (memberWatch != null) {
            memberWatch.close();
        }
        parts.ifPresent(p -> {
            p.view().close();
            p.peerClient().close();
            // not leave(): a daemon that stops (or is upgraded) must not look like a lost node
            p.coordinator().close();
        });
    }

    private static void guarded(String what, Runnable r) {
        try {
            r.run();
        } catch (RuntimeException e) {
            LOG.warnf("%s failed: %s", what, e.getMessage());
        }
    }

    private static java.util.concurrent.ThreadFactory named(String name) {
        AtomicInteger n = new AtomicInteger();
        return r -> {
            Thread t = new Thread(r, name + "-" + n.incrementAndGet());
            t.setDaemon(true);
            return t;
        };
    }
}
