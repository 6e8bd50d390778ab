package io.hydra.runtime.container;

import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

import io.hydra.spi.monitor.ProcessIdentity;

class ContainerProbeTest {
    @Test
    void reportsTheProcessOnlyWhileItIsTheOneRecorded() {
        int self = (int) ProcessHandle.current().pid();
        ProcessIdentity me = ProcessIdentity.of(self).orElseThrow();
        assertTrue(ContainerProbe.stats(me).isPresent());
        // the same pid with another start time is what a recycled pid looks like
        assertTrue(ContainerProbe.stats(new ProcessIdentity(self, me.startTime() + 1)).isEmpty(),
                "a recycled pid is not reported as the container");
    }
}
