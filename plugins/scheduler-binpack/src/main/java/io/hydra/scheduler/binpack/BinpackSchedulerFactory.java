package io.hydra.scheduler.binpack;

import io.hydra.spi.plugin.PluginContext;
import io.hydra.spi.plugin.PluginFactory;
import io.hydra.spi.scheduler.Scheduler;

/** Registers the {@code binpack} scheduler: fill the fullest node that still fits, keep others empty. */
public final class BinpackSchedulerFactory implements PluginFactory<Scheduler> {
    @Override
    public Class<Scheduler> type() {
        return Scheduler.class;
    }

    @Override
    public String name() {
        return BinpackScheduler.NAME;
    }

    /** A scheduler reads nothing but the request and the nodes: no settings. */
    @Override
    public Scheduler create(PluginContext context) {
        return new BinpackScheduler();
    }
}
