package io.hydra.runtime.image.layer;

import io.hydra.runtime.HydraException;
import jnr.ffi.LibraryLoader;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.atomic.AtomicBoolean;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The writable layer archived while its container could still act on it: nothing outside it gets in. */
class UpperArchiverTest {
    /** renameat2(2) with RENAME_EXCHANGE swaps two names atomically, as a container process can. */
    public interface Exchange {
        int renameat2(int oldDirFd, String oldPath, int newDirFd, String newPath, int flags);
    }

    private static final Exchange EXCHANGE = LibraryLoader.create(Exchange.class).load("c");

    @TempDir
    Path tmp;

    @Test
    void aDirSwappedForASymlinkDuringTheWalkNeverLeadsOutOfTheUpperDir() throws Exception {
        Path upper = Files.createDirectory(tmp.resolve("upper"));
        Path outside = Files.createDirectory(tmp.resolve("outside"));
        Files.writeString(outside.resolve("host-secret"), "HOST-SECRET");
        Files.createDirectory(upper.resolve("d"));
        Files.writeString(upper.resolve("d/inner"), "inner");
        Files.createSymbolicLink(upper.resolve("x"), outside);
        AtomicBoolean running = new AtomicBoolean(true);
        Thread swapper = new Thread(() -> {
            while (running.get()) {
                EXCHANGE.renameat2(LibC.AT_FDCWD, upper.resolve("d").toString(), LibC.AT_FDCWD, upper.resolve("x").toString(), 2);
            }
        });
        swapper.start();
        int archived = 0;
        try {
            for (int i = 0; i < 300; i++) {
                ByteArrayOutputStream out = new ByteArrayOutputStream();
                try {
                    UpperArchiver.write(upper, out);
                    archived++;
                } catch (HydraException e) {
                    assertTrue(e.getMessage().contains("while being archived"), e.getMessage());
                    continue;
                }
                String tar = out.toString(StandardCharsets.ISO_8859_1);
                assertFalse(tar.contains("HOST-SECRET") || tar.contains("host-secret"), "export " + i + " archived a host file");
            }
        } finally {
            running.set(false);
            swapper.join();
        }
        assertTrue(archived > 0, "some exports completed while the names were swapped");
    }

    @Test
    void refusesNamesThatAreNotUtf8() throws Exception {
        Path upper = Files.createDirectory(tmp.resolve("upper"));
        Process touch = new ProcessBuilder("sh", "-c", "touch \"$(printf 'a\\377')\" \"$(printf 'a\\376')\"")
                .directory(upper.toFile()).redirectErrorStream(true).start();
        assertEquals(0, touch.waitFor());
        try (var entries = Files.list(upper)) {
            assertEquals(2, entries.count(), "two names on disk");
        }
        HydraException e = assertThrows(HydraException.class, () -> UpperArchiver.write(upper, new ByteArrayOutputStream()));
        assertTrue(e.getMessage().contains("not valid UTF-8") && e.getMessage().contains("'a"), e.getMessage());
    }
}
