package io.hydra.monitor.lazy;

import java.util.Set;

import io.hydra.conmon.ConmonMonitorStrategy;
import io.hydra.spi.monitor.MonitorStrategy;
import io.hydra.spi.plugin.PluginContext;
import io.hydra.spi.plugin.PluginFactory;

/**
 * The {@code lazy} monitor strategy: conmon runs with --sync and stays the daemon's child, so the daemon learns of its exit by reaping it; it is
 * orphaned only when the daemon dies, and the next daemon adopts it like an eager one.
 */
public final class LazyMonitorFactory implements PluginFactory<MonitorStrategy> {
    @Override
    public Class<MonitorStrategy> type() {
        return MonitorStrategy.class;
    }

    @Override
    public String name() {
        return "lazy";
    }

    /** What ConmonMonitorStrategy reads from the context. */
    @Override
    public Set<String> settingKeys() {
        return Set.of("conmon-path", "log-level");
    }

    @Override
    public MonitorStrategy create(PluginContext context) {
        return new ConmonMonitorStrategy(name(), true, context);
    }
}
