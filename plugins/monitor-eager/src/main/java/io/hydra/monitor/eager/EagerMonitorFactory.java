package io.hydra.monitor.eager;

import java.util.Set;

import io.hydra.conmon.ConmonMonitorStrategy;
import io.hydra.spi.monitor.MonitorStrategy;
import io.hydra.spi.plugin.PluginContext;
import io.hydra.spi.plugin.PluginFactory;

/**
 * The {@code eager} monitor strategy: conmon detaches at once (double fork, adopted by init): the daemon and the monitor are siblings from the
 * start, so the daemon's death changes nothing for the monitor.
 */
public final class EagerMonitorFactory implements PluginFactory<MonitorStrategy> {
    @Override
    public Class<MonitorStrategy> type() {
        return MonitorStrategy.class;
    }

    @Override
    public String name() {
        return "eager";
    }

    /** What ConmonMonitorStrategy reads from the context. */
    @Override
    public Set<String> settingKeys() {
        return Set.of("conmon-path", "log-level");
    }

    @Override
    public MonitorStrategy create(PluginContext context) {
        return new ConmonMonitorStrategy(name(), false, context);
    }
}
