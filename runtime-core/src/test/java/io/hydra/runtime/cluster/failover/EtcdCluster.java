package io.hydra.runtime.cluster.failover;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.BooleanSupplier;

import io.hydra.runtime.HydraConfig;
import io.hydra.runtime.cluster.ClusterJson;
import io.hydra.runtime.cluster.NodeRecord;
import io.hydra.runtime.container.ContainerService;
import io.hydra.runtime.plugin.PluginRegistry;
import io.hydra.spi.cluster.Coordinator;
import io.hydra.spi.cluster.Membership;
import io.hydra.spi.cluster.testing.EtcdServer;
import io.hydra.spi.plugin.PluginContext;

/**
 * A real etcd and real coordinators on it (the {@code etcd} cluster plugin, found the way the daemon finds it), one
 * per simulated node, each with its own plugin state directory. Everything it starts, it stops.
 */
final class EtcdCluster implements AutoCloseable {
    static final Duration TTL = Duration.ofSeconds(2);
    static final Duration GRACE = Duration.ofMillis(300);

    /** A node: its coordinator (a daemon's session) and its membership (the node's lease). */
    record Node(String id, Coordinator coordinator, Membership membership) {
        /** The node is lost: its lease is revoked (no keeper keeps it) and its daemon's session ends. */
        void lose() {
            membership.leave();
            coordinator.close();
        }
    }

    private final EtcdServer etcd = EtcdServer.start();
    private final Path stateDirs;
    private final List<Coordinator> opened = new ArrayList<>();
    private final List<Node> joined = new ArrayList<>();

    EtcdCluster() {
        try {
            stateDirs = Files.createTempDirectory("hydra-failover-test");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    EtcdServer etcd() {
        return etcd;
    }

    /** A coordinator session for {@code nodeId}, not joined. */
    Coordinator coordinator(String nodeId) {
        Path state = stateDirs.resolve(nodeId + "-" + opened.size());
        try {
            Files.createDirectories(state);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        Coordinator c = new PluginRegistry().create(Coordinator.class, "cluster", "etcd", new PluginContext(nodeId,
                state, Map.of("endpoints", etcd.host() + ":" + etcd.clientPort(), "ttl", TTL.toSeconds() + "s",
                // a build machine shared by several builds answers slower than the plugin's 1 s default deadline
                "timeout", "3s")));
        opened.add(c);
        return c;
    }

    /** Joins {@code id} as a node with these labels and writes its persistent member record, as a daemon does. */
    Node join(String id, Map<String, String> labels) {
        Coordinator c = coordinator(id);
        NodeRecord record = nodeRecord(id, labels);
        Membership m = c.join(id, ClusterJson.write(record));
        String key = NodeLedger.MEMBERS + id;
        Optional<io.hydra.spi.cluster.VersionedValue> existing = c.get(key);
        if (existing.isEmpty()) {
            c.create(key, ClusterJson.write(record));
        } else {
            c.compareAndSet(key, existing.get().version(), ClusterJson.write(record));
        }
        Node node = new Node(id, c, m);
        joined.add(node);
        return node;
    }

    static NodeRecord nodeRecord(String id, Map<String, String> labels) {
        return new NodeRecord(id, "127.0.0.1:1", labels, 8L << 30, 6L << 30, 4000, 4000, 0, "amd64", "6.1", "4.2",
                Set.of(), Instant.now(), Instant.now(), null);
    }

    static HydraConfig.Cluster settings() {
        return settings(GRACE);
    }

    static HydraConfig.Cluster settings(Duration grace) {
        return new HydraConfig.Cluster() {
            @Override
            public Optional<String> url() {
                return Optional.of("etcd://test");
            }

            @Override
            public Duration ttl() {
                return TTL;
            }

            @Override
            public Duration fenceMargin() {
                return Duration.ofSeconds(1);
            }

            @Override
            public Duration grace() {
                return grace;
            }

            @Override
            public boolean singleNodeFallback() {
                return false;
            }
        };
    }

    /** Waits for {@code condition} until {@code deadline}; false when it did not hold by then. */
    static boolean await(Duration deadline, BooleanSupplier condition) {
        long until = System.nanoTime() + deadline.toNanos();
        while (System.nanoTime() < until) {
            if (condition.getAsBoolean()) {
                return true;
            }
            try {
                Thread.sleep(20); // polling a condition with a deadline: etcd has no way to tell a test
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return false;
            }
        }
        return condition.getAsBoolean();
    }

    @Override
    public void close() {
        for (Node n : joined) {
            try {
                // stops the node's lease keeper, which outlives its coordinator on purpose
                n.membership().leave();
            } catch (RuntimeException ignored) {
                // lost by the test already
            }
        }
        for (Coordinator c : opened) {
            try {
                c.close();
            } catch (RuntimeException ignored) {
                // closed already (a lost node)
            }
        }
        etcd.close();
        ContainerService.deleteTree(stateDirs);
    }
}
