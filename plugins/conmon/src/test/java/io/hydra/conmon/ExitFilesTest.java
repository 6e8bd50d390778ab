package io.hydra.conmon;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.hydra.spi.monitor.ExitReport;

class ExitFilesTest {
    @TempDir
    Path dir;

    @Test
    void readsCodeSignalAndOom() throws Exception {
        Path persist = Files.createDirectories(dir.resolve("persist"));
        Files.writeString(dir.resolve("exit"), "137");
        Files.writeString(persist.resolve("oom"), "");
        ExitReport s = ExitFiles.read(dir.resolve("exit"), persist).orElseThrow();
        assertEquals(137, s.code());
        assertEquals("SIGKILL", s.signal());
        assertTrue(s.oomKilled());
        assertNull(ExitFiles.signal(7));
    }

    @Test
    void anEmptyOrMissingFileIsNotAnExitYet() throws Exception {
        assertTrue(ExitFiles.read(dir.resolve("missing"), dir).isEmpty());
        Files.writeString(dir.resolve("empty"), "");
        assertTrue(ExitFiles.read(dir.resolve("empty"), dir).isEmpty());
    }

    @Test
    void theCopyInThePersistDirServesWhenTheExitDirHasNone() throws Exception {
        // a container launched by an older daemon writes its exit file into the exit dir it was given then
        Path persist = Files.createDirectories(dir.resolve("persist"));
        Files.writeString(persist.resolve("exit"), "7");
        ExitReport s = ExitFiles.read(dir.resolve("exits-here-has-none"), persist).orElseThrow();
        assertEquals(7, s.code());
        assertFalse(s.oomKilled());
    }

    @Test
    void clearingForgetsTheExitAndTheMarkers() throws Exception {
        Path exits = Files.createDirectories(dir.resolve("exits"));
        Path container = Files.createDirectories(dir.resolve("c"));
        Files.createDirectories(container.resolve("persist"));
        Files.writeString(exits.resolve("abc"), "0");
        Files.writeString(container.resolve("persist/oom"), "");
        ExitFiles files = new ExitFiles(exits);
        assertTrue(files.read("abc", container).isPresent());
        files.clear("abc", container);
        assertFalse(files.read("abc", container).isPresent());
        assertFalse(Files.exists(container.resolve("persist/oom")));
    }
}
