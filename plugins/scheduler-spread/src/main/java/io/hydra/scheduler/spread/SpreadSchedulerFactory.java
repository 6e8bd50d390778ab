package io.hydra.scheduler.spread;

import io.hydra.spi.plugin.PluginContext;
import io.hydra.spi.plugin.PluginFactory;
import io.hydra.spi.scheduler.Scheduler;

/** Registers the {@code spread} scheduler, the default: containers spread evenly over the nodes. */
public final class SpreadSchedulerFactory implements PluginFactory<Scheduler> {
    @Override
    public Class<Scheduler> type() {
        return Scheduler.class;
    }

    @Override
    public String name() {
        return SpreadScheduler.NAME;
    }

    /** A scheduler reads nothing but the request and the nodes: no settings. */
    @Override
    public Scheduler create(PluginContext context) {
        return new SpreadScheduler();
    }
}
