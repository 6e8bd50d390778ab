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
    void parsesCommandNamesWithSpacesAndParentheses(@org.junit.jupiter.api.io.TempDir java.nio.file.Path dir)
            throws Exception {
        // /proc/PID/stat puts the command name in parentheses; a name holding ") " must not shift the fields
        java.nio.file.Path tricky = java.nio.file.Files.createSymbolicLink(dir.resolve("a) b (c"),
                java.nio.file.Path.of("/bin/sleep"));
        Process child = new ProcessBuilder(tricky.toString(), "30").start();
        try {
            ProcessIdentity identity = ProcessIdentity.of((int) child.pid()).orElseThrow();
            assertTrue(identity.isAlive());
            assertEquals(ProcessHandle.current().pid(), identity.parentPid().orElseThrow().longValue());
        } finally {
            child.destroyForcibly().waitFor();
        }
        assertTrue(ProcessIdentity.of(Integer.MAX_VALUE - 1).isEmpty());
    }
}
