package io.hydra.spi.monitor;

import java.util.Map;
import java.util.Objects;

/**
 * What the daemon persists about a container's monitor so that a later daemon can re-adopt it.
 *
 * @param strategy  the short name of the strategy that launched it
 * @param monitor   the monitor process
 * @param container the container's init process
 * @param attributes strategy-specific facts (paths of sockets and pid files), opaque to the daemon
 */
public record MonitorRecord(String strategy, ProcessIdentity monitor, ProcessIdentity container,
                            Map<String, String> attributes) {
    public MonitorRecord {
        Objects.requireNonNull(strategy, "strategy");
        Objects.requireNonNull(monitor, "monitor");
        Objects.requireNonNull(container, "container");
        attributes = Map.copyOf(attributes);
    }
}
