package io.hydra.spi.scheduler.testing;

import io.hydra.spi.scheduler.PlacementRequest;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/** Placement requests for scheduler tests: no limits, no constraints, no checkpoint, changed one property at a time. */
public final class SyntheticRequest {
    private final String containerId;
    private long memory;
    private long cpu;
    private final Map<String, String> constraints = new HashMap<>();
    private Optional<String> avoid = Optional.empty();
    private String arch = "";
    private String criu = "";
    private Optional<String> image = Optional.empty();
    private Optional<String> rootfs = Optional.empty();
    private Set<String> nodesWithRootfs = Set.of();

    private SyntheticRequest(String containerId) {
        this.containerId = containerId;
    }

    public static SyntheticRequest of(String containerId) {
        return new SyntheticRequest(containerId);
    }

    public SyntheticRequest memory(long bytes) {
        this.memory = bytes;
        return this;
    }

    public SyntheticRequest cpuMillis(long millis) {
        this.cpu = millis;
        return this;
    }

    public SyntheticRequest constraint(String key, String value) {
        constraints.put(key, value);
        return this;
    }

    public SyntheticRequest avoiding(String nodeId) {
        this.avoid = Optional.of(nodeId);
        return this;
    }

    public SyntheticRequest arch(String architecture) {
        this.arch = architecture;
        return this;
    }

    public SyntheticRequest criu(String version) {
        this.criu = version;
        return this;
    }

    public SyntheticRequest image(String digest) {
        this.image = Optional.of(digest);
        return this;
    }

    public SyntheticRequest rootfs(String directory, String... nodesHavingIt) {
        this.rootfs = Optional.of(directory);
        this.nodesWithRootfs = Set.of(nodesHavingIt);
        return this;
    }

    public PlacementRequest request() {
        return new PlacementRequest(containerId, memory, cpu, constraints, avoid, arch, criu, image, rootfs,
                nodesWithRootfs);
    }
}
