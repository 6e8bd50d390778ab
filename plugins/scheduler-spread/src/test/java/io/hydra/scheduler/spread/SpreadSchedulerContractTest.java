package io.hydra.scheduler.spread;

import io.hydra.spi.scheduler.Scheduler;
import io.hydra.spi.scheduler.testing.SchedulerContract;

class SpreadSchedulerContractTest extends SchedulerContract {
    @Override
    protected Scheduler scheduler() {
        return new SpreadScheduler();
    }
}
