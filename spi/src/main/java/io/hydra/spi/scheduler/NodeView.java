package io.hydra.spi.scheduler;

import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * What the scheduler knows of one live node.
 *
 * @param totalMemoryBytes memory the node offers containers
 * @param freeMemoryBytes  memory not yet claimed by its containers' limits (nor, without limits, used)
 * @param totalCpuMillis   CPUs it offers, in thousandths of a core
 * @param freeCpuMillis    CPUs not yet claimed by its containers' limits
 * @param containers       containers running there
 * @param arch             the machine's architecture as the JVM names it ({@code amd64}, {@code aarch64})
 * @param criuVersion      the CRIU it restores with ({@code 4.2.1}), empty when it cannot restore
 * @param cachedImages     digests of the images whose layers it holds unpacked (where a container's chunks already are)
 */
public record NodeView(String nodeId, long totalMemoryBytes, long freeMemoryBytes, long totalCpuMillis,
                       long freeCpuMillis, int containers, Map<String, String> labels, String arch, String criuVersion,
                       Set<String> cachedImages) {
    public NodeView {
        Objects.requireNonNull(nodeId, "nodeId");
        labels = Map.copyOf(labels);
        arch = arch == null ? "" : arch;
        criuVersion = criuVersion == null ? "" : criuVersion;
        cachedImages = Set.copyOf(cachedImages);
    }
}
