package io.hydra.runtime.checkpoint.repo;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;
import java.util.SplittableRandom;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.hydra.runtime.checkpoint.CheckpointKeys;
import io.hydra.spi.storage.BlobStore;
import io.hydra.storage.fs.FsBlobStore;

/** A daemon upgraded to signed manifests on fs storage: its first start generates the key, signs its old versions. */
class UpgradeSigningTest {
    @TempDir
    Path temp;

    @Test
    void theFirstStartWithAGeneratedKeySignsTheOldVersionsWhichThenRestore() throws IOException {
        Path root = temp.resolve("root");
        Path image = temp.resolve("image");
        ImageFixtures.writeMemoryImage(image.resolve("pages-1.img"), 128, new SplittableRandom(5));
        try (BlobStore store = new FsBlobStore(temp.resolve("store"))) {
            try (CheckpointRepository before = new CheckpointRepository(store, RepositorySettings.defaults())) {
                before.checkpoint("web", "web", image, Map.of(), ProgressListener.NONE);
            }
            CheckpointKeys keys = CheckpointKeys.load(Optional.empty(), false, Optional.empty(), "fs", root);
            assertTrue(keys.keyGeneratedNow());
            RepositorySettings signed = keys.applyTo(RepositorySettings.defaults());
            try (CheckpointRepository unsignedSeen = new CheckpointRepository(store, signed)) {
                CheckpointCorruptException refused = assertThrows(CheckpointCorruptException.class,
                        () -> unsignedSeen.restore("web", 1, temp.resolve("refused"), ProgressListener.NONE));
                assertTrue(refused.getMessage().contains("no MAC"), refused.getMessage());
            }
            try (CheckpointRepository after = new CheckpointRepository(store, signed)) {
                assertEquals(1, after.signUnsignedManifests());
                assertEquals(0, after.signUnsignedManifests(), "once signed, nothing is left to sign");
                Path target = temp.resolve("restored");
                after.restore("web", 1, target, ProgressListener.NONE);
                ImageFixtures.assertSameTree(image, target);
            }
            assertFalse(CheckpointKeys.load(Optional.empty(), false, Optional.empty(), "fs", root).keyGeneratedNow(),
                    "the next start finds the key: no signing again");
        }
    }
}
