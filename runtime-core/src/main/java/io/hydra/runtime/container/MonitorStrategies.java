package io.hydra.runtime.container;

import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

import io.hydra.runtime.HydraException;
import io.hydra.spi.monitor.MonitorStrategy;

/** The monitor strategies this daemon runs, by name, and the default one. */
public final class MonitorStrategies implements AutoCloseable {
    private final Map<String, MonitorStrategy> byName;
    private final String defaultName;

    public MonitorStrategies(Map<String, MonitorStrategy> byName, String defaultName) {
        this.byName = new TreeMap<>(byName);
        this.defaultName = defaultName;
        get(defaultName);
    }

    public MonitorStrategy get(String name) {
        MonitorStrategy s = byName.get(name);
        if (s == null) {
            throw HydraException.invalid("unknown monitor '" + name + "': known monitors are "
                    + String.join(", ", byName.keySet()));
        }
        return s;
    }

    public String defaultName() {
        return defaultName;
    }

    public Set<String> names() {
        return byName.keySet();
    }

    @Override
    public void close() {
        byName.values().forEach(MonitorStrategy::close);
    }
}
