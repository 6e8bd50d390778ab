package io.hydra.spi.scheduler.testing;

import io.hydra.spi.scheduler.NodeView;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;

/**
 * Synthetic nodes for scheduler tests: a roomy amd64 node with CRIU 4.0, no containers and no labels, changed one
 * property at a time ({@code SyntheticNode.named("a").freeMemory(256 * MIB).view()}).
 */
public final class SyntheticNode {
    public static final long MIB = 1024L * 1024;
    public static final long GIB = 1024 * MIB;

    private final String id;
    private long totalMemory = 16 * GIB;
    private long freeMemory = 16 * GIB;
    private long totalCpu = 8000;
    private long freeCpu = 8000;
    private int containers;
    private final Map<String, String> labels = new HashMap<>();
    private String arch = "amd64";
    private String criu = "4.0";
    private Set<String> images = Set.of();

    private SyntheticNode(String id) {
        this.id = id;
    }

    public static SyntheticNode named(String id) {
        return new SyntheticNode(id);
    }

    public SyntheticNode memory(long total, long free) {
        this.totalMemory = total;
        this.freeMemory = free;
        return this;
    }

    public SyntheticNode freeMemory(long free) {
        this.freeMemory = free;
        return this;
    }

    public SyntheticNode cpu(long totalMillis, long freeMillis) {
        this.totalCpu = totalMillis;
        this.freeCpu = freeMillis;
        return this;
    }

    public SyntheticNode containers(int count) {
        this.containers = count;
        return this;
    }

    public SyntheticNode label(String key, String value) {
        labels.put(key, value);
        return this;
    }

    public SyntheticNode arch(String architecture) {
        this.arch = architecture;
        return this;
    }

    public SyntheticNode criu(String version) {
        this.criu = version;
        return this;
    }

    public SyntheticNode caching(String... digests) {
        this.images = Set.of(digests);
        return this;
    }

    public NodeView view() {
        return new NodeView(id, totalMemory, freeMemory, totalCpu, freeCpu, containers, labels, arch, criu, images);
    }
}
