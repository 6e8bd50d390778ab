package io.hydra.scheduler.leastloaded;

import io.hydra.spi.plugin.PluginContext;
import io.hydra.spi.plugin.PluginFactory;
import io.hydra.spi.scheduler.Scheduler;

/** Registers the {@code least-loaded} scheduler: the node with the most free memory and CPU. */
public final class LeastLoadedSchedulerFactory implements PluginFactory<Scheduler> {
    @Override
    public Class<Scheduler> type() {
        return Scheduler.class;
    }

    @Override
    public String name() {
        return LeastLoadedScheduler.NAME;
    }

    /** A scheduler reads nothing but the request and the nodes: no settings. */
    @Override
    public Scheduler create(PluginContext context) {
        return new LeastLoadedScheduler();
    }
}
