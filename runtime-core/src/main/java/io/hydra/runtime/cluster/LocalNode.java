package io.hydra.runtime.cluster;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.Collection;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

import io.hydra.runtime.state.ContainerRecord;
import io.hydra.runtime.state.StateStore;

/**
 * This node as the cluster sees it: what it offers (memory, CPUs, labels, CRIU) less what its live containers
 * claim. Built fresh from the state store each time, so it never drifts from the containers it describes.
 */
public final class LocalNode {
    private final String nodeId;
    private final String address;
    private final Map<String, String> labels;
    private final String criuVersion;
    private final StateStore store;
    private final long totalMemoryBytes;
    private final long cpuMillis;
    private final Instant startedAt;

    public LocalNode(String nodeId, String address, Map<String, String> labels, String criuVersion, StateStore store,
                     Instant startedAt) {
        this(nodeId, address, labels, criuVersion, store, startedAt, totalMemory(Path.of("/proc/meminfo")),
                Runtime.getRuntime().availableProcessors() * 1000L);
    }

    LocalNode(String nodeId, String address, Map<String, String> labels, String criuVersion, StateStore store,
              Instant startedAt, long totalMemoryBytes, long cpuMillis) {
        this.nodeId = nodeId;
        this.address = address;
        this.labels = Map.copyOf(labels);
        this.criuVersion = criuVersion == null ? "" : criuVersion;
        this.store = store;
        this.startedAt = startedAt;
        this.totalMemoryBytes = totalMemoryBytes;
        this.cpuMillis = cpuMillis;
    }

    public String nodeId() {
        return nodeId;
    }

    public String address() {
        return address;
    }

    public String criuVersion() {
        return criuVersion;
    }

    public Map<String, String> labels() {
        return labels;
    }

    /** The record to advertise now. */
    public NodeRecord record(Instant now) {
        Collection<ContainerRecord> live = store.all().stream().filter(r -> r.status().live()).toList();
        long claimedMemory = 0;
        long claimedCpu = 0;
        Set<String> images = new TreeSet<>();
        for (ContainerRecord r : live) {
            ContainerResources res = ContainerResources.of(r);
            claimedMemory += res.memoryBytes();
            claimedCpu += res.cpuMillis();
            if (r.options().imageDigest() != null && !r.options().imageDigest().isEmpty()) {
                images.add(r.options().imageDigest());
            }
        }
        return new NodeRecord(nodeId, address, labels, totalMemoryBytes, Math.max(0, totalMemoryBytes - claimedMemory),
                cpuMillis, Math.max(0, cpuMillis - claimedCpu), live.size(), System.getProperty("os.arch"),
                System.getProperty("os.version"), criuVersion, images, startedAt, now, null);
    }

    /** Whether two records say the same thing (their time stamps aside): an unchanged one is not written again. */
    public static boolean sameContent(NodeRecord a, NodeRecord b) {
        return a != null && b != null && timeless(a).equals(timeless(b));
    }

    private static NodeRecord timeless(NodeRecord r) {
        return new NodeRecord(r.id(), r.address(), r.labels(), r.totalMemoryBytes(), r.freeMemoryBytes(),
                r.cpuMillis(), r.freeCpuMillis(), r.containers(), r.arch(), r.kernel(), r.criuVersion(),
                r.cachedImages(), r.startedAt(), null, r.lostAt());
    }

    /** MemTotal of /proc/meminfo in bytes; 0 when it cannot be read (the scheduler then sees no free memory). */
    static long totalMemory(Path meminfo) {
        try {
            for (String line : Files.readAllLines(meminfo)) {
                if (line.startsWith("MemTotal:")) {
                    String[] parts = line.substring("MemTotal:".length()).trim().split("\\s+");
                    return Long.parseLong(parts[0]) * 1024;
                }
            }
        } catch (IOException | RuntimeException e) {
            return 0;
        }
        return 0;
    }
}
