package io.hydra.scheduler.leastloaded;

import io.hydra.spi.scheduler.Scheduler;
import io.hydra.spi.scheduler.testing.SchedulerContract;

class LeastLoadedSchedulerContractTest extends SchedulerContract {
    @Override
    protected Scheduler scheduler() {
        return new LeastLoadedScheduler();
    }
}
