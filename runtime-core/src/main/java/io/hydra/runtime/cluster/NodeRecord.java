package io.hydra.runtime.cluster;

import java.time.Instant;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * What a node advertises on its lease (and what is kept of it under {@code members/<id>} once it is lost, so
 * {@code hydra nodes} can still show it).
 *
 * @param address          the node-to-node endpoint, HOST:PORT ({@code --listen})
 * @param freeMemoryBytes  memory not claimed by its containers' limits
 * @param cachedImages     digests of the images whose layers it holds unpacked
 * @param lostAt           when the controller found its lease gone; null while it is live
 */
public record NodeRecord(String id, String address, Map<String, String> labels, long totalMemoryBytes,
                         long freeMemoryBytes, long cpuMillis, long freeCpuMillis, int containers, String arch,
                         String kernel, String criuVersion, Set<String> cachedImages, Instant startedAt,
                         Instant updatedAt, Instant lostAt) {
    public NodeRecord {
        Objects.requireNonNull(id, "id");
        address = address == null ? "" : address;
        labels = labels == null ? Map.of() : Map.copyOf(labels);
        arch = arch == null ? "" : arch;
        kernel = kernel == null ? "" : kernel;
        criuVersion = criuVersion == null ? "" : criuVersion;
        cachedImages = cachedImages == null ? Set.of() : Set.copyOf(cachedImages);
    }

    public NodeRecord lost(Instant at) {
        return new NodeRecord(id, address, labels, totalMemoryBytes, freeMemoryBytes, cpuMillis, freeCpuMillis,
                containers, arch, kernel, criuVersion, cachedImages, startedAt, updatedAt, at);
    }
}
