package io.hydra.runtime.checkpoint.repo;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.stream.Stream;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.hydra.storage.fs.FsBlobStore;

/** A whole repository with chunks encrypted at rest, on the real directory store. */
class EncryptedRepositoryTest {
    private static final byte[] MAC_KEY = "0123456789abcdef0123456789abcdef".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] ENC_KEY = "an-aes-256-key-of-32-bytes-long!".getBytes(StandardCharsets.US_ASCII);
    private static final String SECRET = "swordfish-4b1d9e0c-not-in-any-pack";

    @TempDir
    Path temp;
    private final List<AutoCloseable> open = new ArrayList<>();

    @AfterEach
    void close() throws Exception {
        for (AutoCloseable c : open) {
            c.close();
        }
    }

    private CheckpointRepository repository(Path storeRoot, RepositorySettings settings) throws IOException {
        FsBlobStore store = new FsBlobStore(storeRoot);
        CheckpointRepository repository = new CheckpointRepository(store, settings);
        open.add(repository);
        open.add(store);
        return repository;
    }

    private static RepositorySettings settings(boolean encrypted) {
        RepositorySettings s = RepositorySettings.defaults().withGcGrace(Duration.ZERO).withMacKey(MAC_KEY);
        return encrypted ? s.withEncryptionKey(ENC_KEY) : s;
    }

    /** Memory pages, with the secret written into some of them, the way a process holds a password. */
    private Path image(String name) throws IOException {
        Path dir = temp.resolve(name);
        Path pages = ImageFixtures.writeMemoryImage(dir.resolve("pages-1.img"), 512, new SplittableRandom(7));
        byte[] bytes = Files.readAllBytes(pages);
        byte[] secret = SECRET.getBytes(StandardCharsets.US_ASCII);
        for (int at = 100; at + secret.length < bytes.length; at += 64 * 1024) {
            System.arraycopy(secret, 0, bytes, at, secret.length);
        }
        Files.write(pages, bytes);
        ImageFixtures.writeText(dir.resolve("inventory.img"), "inventory " + SECRET, "rw-------");
        return dir;
    }

    private static boolean anyPackContains(Path storeRoot, String text) throws IOException {
        byte[] needle = text.getBytes(StandardCharsets.US_ASCII);
        try (Stream<Path> files = Files.walk(storeRoot.resolve("packs"))) {
            for (Path pack : files.filter(Files::isRegularFile).toList()) {
                byte[] data = Files.readAllBytes(pack);
                outer:
                for (int i = 0; i + needle.length <= data.length; i++) {
                    for (int j = 0; j < needle.length; j++) {
                        if (data[i + j] != needle[j]) {
                            continue outer;
                        }
                    }
                    return true;
                }
            }
        }
        return false;
    }

    @Test
    void theSecretIsInPlainPacksAndNotInEncryptedOnesWhichRestoreAndDedup() throws Exception {
        Path image = image("img");
        Path plainStore = temp.resolve("plain");
        repository(plainStore, settings(false)).checkpoint("c0ffee", "web", image, Map.of(), ProgressListener.NONE);
        assertTrue(anyPackContains(plainStore, SECRET), "without encryption the secret is in the packs"
                + " (so the check below can fail)");

        Path sealedStore = temp.resolve("sealed");
        CheckpointRepository repository = repository(sealedStore, settings(true));
        CommitResult first = repository.checkpoint("c0ffee", "web", image, Map.of(), ProgressListener.NONE);
        assertFalse(anyPackContains(sealedStore, SECRET), "with encryption it is not");
        Manifest manifest = repository.manifest("c0ffee", 1);
        for (ManifestFile file : manifest.files()) {
            assertNotEquals(Sha256.hex(Files.readAllBytes(image.resolve(file.path()))), file.sha256(),
                    "the manifest does not reveal the plain file hash of " + file.path());
        }

        CommitResult second = repository.checkpoint("c0ffee", "web", image, Map.of(), ProgressListener.NONE);
        assertEquals(0, second.newChunks(), "deterministic encryption: an unchanged image dedups entirely");
        assertTrue(first.newChunks() > 0);

        Path restored = temp.resolve("restored");
        repository.restore("c0ffee", 2, restored, ProgressListener.NONE);
        ImageFixtures.assertSameTree(image, restored);
    }

    @Test
    void withoutTheKeyOrWithAnotherTheRestoreIsRefusedAsCorrupt() throws Exception {
        Path image = image("img");
        Path store = temp.resolve("sealed");
        repository(store, settings(true)).checkpoint("c0ffee", "web", image, Map.of(), ProgressListener.NONE);

        CheckpointCorruptException noKey = assertThrows(CheckpointCorruptException.class,
                () -> repository(store, settings(false)).restore("c0ffee", 1, temp.resolve("r1"),
                        ProgressListener.NONE));
        assertTrue(noKey.getMessage().startsWith("version 1 of container c0ffee"), noKey.getMessage());
        assertTrue(noKey.getMessage().contains("is encrypted"), noKey.getMessage());

        RepositorySettings otherKey = settings(false)
                .withEncryptionKey("another-aes-256-key-of-32-bytes!".getBytes(StandardCharsets.US_ASCII));
        CheckpointCorruptException wrong = assertThrows(CheckpointCorruptException.class,
                () -> repository(store, otherKey).restore("c0ffee", 1, temp.resolve("r2"), ProgressListener.NONE));
        assertTrue(wrong.getMessage().contains("does not decrypt"), wrong.getMessage());
        assertFalse(Files.exists(temp.resolve("r2")));
    }
}
