package io.hydra.spi.monitor;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class ProcessIdentityTest {
    @Test
    void identifiesThisProcessByPidAndStartTime() {
        int pid = (int) ProcessHandle.current().pid();
        ProcessIdentity me = ProcessIdentity.of(pid).orElseThrow();
        assertTrue(me.isAlive());
        assertEquals(pid, me.pid());
    }

    @Test
    void aReusedPidIsNotTheProcessWeKnew() {
        ProcessIdentity me = ProcessIdentity.of((int) ProcessHandle.current().pid()).orElseThrow();
        // same pid, another start time: what a recycled pid looks like
        assertFalse(new ProcessIdentity(me.pid(), me.startTime() + 1).isAlive());
    }

    @Test
    void anExitedChildIsDeadEvenAsAZombie() throws Exception {
        Process child = new ProcessBuilder("sleep", "30").start();
        ProcessIdentity identity = ProcessIdentity.of((int) child.pid()).orElseThrow();
        assertTrue(identity.isAlive());
        child.destroyForcibly().waitFor();
        assertFalse(identity.isAlive());
    }

    @Test
    void parsesCommandNamesWithSpacesAndParentheses() throws Exception {
        ProcessIdentity.ProcStat.read((int) ProcessHandle.current().pid()).orElseThrow();
        assertTrue(ProcessIdentity.of(Integer.MAX_VALUE - 1).isEmpty());
    }
}
