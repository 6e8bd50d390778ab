package io.hydra.runtime.checkpoint;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Optional;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Which keys a daemon starts with, and the start-up errors when they are missing or malformed. */
class CheckpointKeysTest {
    @TempDir
    Path temp;

    private Path file(String name, int bytes) throws Exception {
        Path f = temp.resolve(name);
        Files.write(f, new byte[bytes]);
        return f;
    }

    private static IllegalStateException fails(Runnable load) {
        return assertThrows(IllegalStateException.class, load::run);
    }

    @Test
    void aSingleNodeDaemonGeneratesItsKeyOncePrivateAndKeepsIt() throws Exception {
        Path root = temp.resolve("root");
        CheckpointKeys first = CheckpointKeys.load(Optional.empty(), false, Optional.empty(), "fs", root);
        Path key = root.resolve(CheckpointKeys.GENERATED_KEY_FILE);
        assertEquals(32, Files.size(key));
        assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(key)));
        assertArrayEquals(Files.readAllBytes(key), first.macKey().orElseThrow());
        assertFalse(Files.exists(root.resolve(CheckpointKeys.GENERATED_KEY_FILE + ".new")), "no temp file left");
        CheckpointKeys second = CheckpointKeys.load(Optional.empty(), false, Optional.empty(), "fs", root);
        assertArrayEquals(first.macKey().orElseThrow(), second.macKey().orElseThrow(), "the same key next start");
        assertTrue(first.signing().contains("generated"), first.signing());
        assertEquals("off", first.encryption());

        Files.write(key, new byte[5]);
        IllegalStateException damaged = fails(() -> CheckpointKeys.load(Optional.empty(), false, Optional.empty(),
                "fs", root));
        assertTrue(damaged.getMessage().contains("damaged"), damaged.getMessage());
    }

    @Test
    void aSharedStoreNeedsAKeyOrUnsigned() throws Exception {
        IllegalStateException none = fails(() -> CheckpointKeys.load(Optional.empty(), false, Optional.empty(), "s3",
                temp));
        assertTrue(none.getMessage().contains("hydra.storage=s3 is shared between nodes")
                && none.getMessage().contains("hydra.checkpoint.key")
                && none.getMessage().contains("hydra.checkpoint.unsigned=true"), none.getMessage());
        CheckpointKeys unsigned = CheckpointKeys.load(Optional.empty(), true, Optional.empty(), "s3", temp);
        assertTrue(unsigned.macKey().isEmpty());
        assertTrue(unsigned.signing().startsWith("unsigned"), unsigned.signing());
        CheckpointKeys keyed = CheckpointKeys.load(Optional.of(file("k", 16)), false, Optional.empty(), "s3", temp);
        assertEquals(16, keyed.macKey().orElseThrow().length);
        assertFalse(Files.exists(temp.resolve(CheckpointKeys.GENERATED_KEY_FILE)), "nothing generated");
    }

    @Test
    void badKeyFilesAreClearStartUpErrors() throws Exception {
        Path shortKey = file("short", 15);
        IllegalStateException tooShort = fails(() -> CheckpointKeys.load(Optional.of(shortKey), false,
                Optional.empty(), "fs", temp));
        assertTrue(tooShort.getMessage().contains("hydra.checkpoint.key: " + shortKey + " holds 15 bytes")
                && tooShort.getMessage().contains("at least 16"), tooShort.getMessage());
        IllegalStateException missing = fails(() -> CheckpointKeys.load(Optional.of(temp.resolve("nope")), false,
                Optional.empty(), "fs", temp));
        assertTrue(missing.getMessage().contains("does not exist"), missing.getMessage());
        IllegalStateException both = fails(() -> CheckpointKeys.load(Optional.of(temp.resolve("nope")), true,
                Optional.empty(), "fs", temp));
        assertTrue(both.getMessage().contains("contradict"), both.getMessage());
        for (int size : new int[] {16, 31, 33, 0}) {
            Path enc = file("enc" + size, size);
            IllegalStateException wrong = fails(() -> CheckpointKeys.load(Optional.empty(), true, Optional.of(enc),
                    "fs", temp));
            assertTrue(wrong.getMessage().contains("hydra.checkpoint.encryption-key: " + enc + " holds " + size
                    + " bytes; an AES-256 key is exactly 32"), wrong.getMessage());
        }
        CheckpointKeys encrypted = CheckpointKeys.load(Optional.empty(), true, Optional.of(file("enc", 32)), "fs",
                temp);
        assertTrue(encrypted.encryption().startsWith("aes-256-gcm"), encrypted.encryption());
        assertTrue(encrypted.applyTo(io.hydra.runtime.checkpoint.repo.RepositorySettings.defaults())
                .encryptionKey().isPresent());
    }
}
