package io.hydra.monitor.eager;

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

    @Override
    public MonitorStrategy create(PluginContext context) {
        return new ConmonMonitorStrategy(name(), false, context);
    }
}
