package io.hydra.runtime.container;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ExitStatusTest {
    @TempDir
    Path dir;

    @Test
    void readsCodeSignalAndOom() throws Exception {
        Path persist = Files.createDirectories(dir.resolve("persist"));
        Files.writeString(dir.resolve("exit"), "137");
        Files.writeString(persist.resolve("oom"), "");
        ExitStatus s = ExitStatus.read(dir.resolve("exit"), persist).orElseThrow();
        assertEquals(137, s.code());
        assertEquals("SIGKILL", s.signal());
        assertTrue(s.oomKilled());
        assertNull(new ExitStatus(7, false).signal());
    }

    @Test
    void anEmptyOrMissingFileIsNotAnExitYet() throws Exception {
        assertTrue(ExitStatus.read(dir.resolve("missing"), dir).isEmpty());
        Files.writeString(dir.resolve("empty"), "");
        assertTrue(ExitStatus.read(dir.resolve("empty"), dir).isEmpty());
    }
}
