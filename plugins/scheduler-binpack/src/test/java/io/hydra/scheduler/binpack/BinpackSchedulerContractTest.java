package io.hydra.scheduler.binpack;

import io.hydra.spi.scheduler.Scheduler;
import io.hydra.spi.scheduler.testing.SchedulerContract;

class BinpackSchedulerContractTest extends SchedulerContract {
    @Override
    protected Scheduler scheduler() {
        return new BinpackScheduler();
    }
}
