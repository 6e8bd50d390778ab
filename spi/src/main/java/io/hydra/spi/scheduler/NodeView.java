package io.hydra.spi.scheduler;

import java.util.Map;

public record NodeView(String nodeId, long freeMemoryBytes, long freeCpuMillis, int containers,
                       Map<String, String> labels) {
    public NodeView {
        labels = Map.copyOf(labels);
    }
}
