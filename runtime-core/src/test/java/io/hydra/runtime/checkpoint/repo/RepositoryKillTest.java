package io.hydra.runtime.checkpoint.repo;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.hydra.spi.storage.BlobStore;
import io.hydra.storage.fs.FsBlobStore;

/**
 * A process SIGKILLed in the middle of a commit and of a garbage collection, for real (a child JVM, killed with
 * SIGKILL at the step it announces): no partial version is visible, and nothing a kept version needs is gone.
 */
class RepositoryKillTest {
    private static final int PAGE = ImageFixtures.PAGE;

    @TempDir
    Path temp;

    private Process child(String... args) throws IOException {
        List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java")
                .toString(), "-cp", System.getProperty("java.class.path"), RepositoryChild.class.getName()));
        command.addAll(List.of(args));
        return new ProcessBuilder(command).redirectError(ProcessBuilder.Redirect.INHERIT).start();
    }

    /** Waits for the child to announce the step, then SIGKILLs it. */
    private static void killAt(Process child, String step) throws Exception {
        BufferedReader out = new BufferedReader(new InputStreamReader(child.getInputStream(), StandardCharsets.UTF_8));
        String line;
        while ((line = out.readLine()) != null && !line.startsWith("AT " + step)) {
            // JVM and logging output before the step
        }
        assertTrue(line != null, "the child reached " + step + " before it ended");
        new ProcessBuilder("kill", "-KILL", String.valueOf(child.pid())).start().waitFor();
        assertTrue(child.waitFor(30, TimeUnit.SECONDS));
        assertEquals(137, child.exitValue(), "killed by SIGKILL");
    }


    @Test
    void aProcessKilledDuringACommitLeavesNoVersionAndTheOthersRestore() throws Exception {
        Path storeRoot = temp.resolve("store");
        Path image = temp.resolve("image");
        ImageFixtures.writeRandom(image.resolve("pages-1.img"), 1024L * PAGE, new SplittableRandom(1));
        Path index = temp.resolve("node").resolve("chunks.db");
        Path v1;
        try (BlobStore store = new FsBlobStore(storeRoot);
             CheckpointRepository repository = new CheckpointRepository(store, RepositorySettings.defaults(), index)) {
            repository.checkpoint("web", "web", image, Map.of(), ProgressListener.NONE);
            v1 = ImageFixtures.copyDir(image, temp.resolve("v1"));
        }
        ImageFixtures.rewritePages(image.resolve("pages-1.img"), 10, 50, new SplittableRandom(2));
        killAt(child("commit", storeRoot.toString(), index.toString(), image.toString()), "commit");

        try (BlobStore store = new FsBlobStore(storeRoot);
             CheckpointRepository repository = new CheckpointRepository(store,
                     RepositorySettings.defaults().withGcGrace(Duration.ZERO), index)) {
            assertEquals(List.of(1L), repository.versions("web").stream().map(CheckpointVersion::version).toList(),
                    "the killed commit left no version");
            // Collections after the crash never take what version 1 needs.
            repository.collectGarbage();
            repository.collectGarbage();
            Path restored = temp.resolve("restored-v1");
            repository.restore("web", 1, restored, ProgressListener.NONE);
            ImageFixtures.assertSameTree(v1, restored);
            // The node's page digest cache still names version 1: the next checkpoint builds on it.
            CommitResult next = repository.checkpoint("web", "web", image, Map.of(), ProgressListener.NONE);
            assertEquals(2, next.version());
            assertTrue(next.storedBytes() <= 51L * PAGE, "only the changed pages: " + next);
            Path v2 = temp.resolve("restored-v2");
            repository.restore("web", 2, v2, ProgressListener.NONE);
            ImageFixtures.assertSameTree(image, v2);
        }
    }

    @Test
    void aProcessKilledDuringGarbageCollectionDeletesNothingAKeptVersionNeeds() throws Exception {
        Path storeRoot = temp.resolve("store");
        Path image = temp.resolve("image");
        ImageFixtures.writeRandom(image.resolve("pages-1.img"), 512L * PAGE, new SplittableRandom(3));
        Path index = temp.resolve("node").resolve("chunks.db");
        List<Path> kept = new ArrayList<>();
        try (BlobStore store = new FsBlobStore(storeRoot);
             CheckpointRepository repository = new CheckpointRepository(store,
                     RepositorySettings.defaults().withPackTargetBytes(RepositorySettings.MIN_PACK_TARGET_BYTES),
                     index)) {
            SplittableRandom random = new SplittableRandom(4);
            for (int v = 1; v <= 4; v++) {
                // Every page changes: versions 1 to 3 own packs nothing else needs once they are deleted.
                ImageFixtures.rewritePages(image.resolve("pages-1.img"), 0, 512, random);
                repository.checkpoint("web", "web", image, Map.of(), ProgressListener.NONE);
            }
            kept.add(ImageFixtures.copyDir(image, temp.resolve("v4")));
            for (long v = 1; v <= 3; v++) {
                repository.delete("web", v);
            }
        }
        killAt(child("gc", storeRoot.toString(), index.toString()), "gc");

        try (BlobStore store = new FsBlobStore(storeRoot);
             CheckpointRepository repository = new CheckpointRepository(store,
                     RepositorySettings.defaults().withGcGrace(Duration.ZERO), index)) {
            Path restored = temp.resolve("restored-v4");
            repository.restore("web", 4, restored, ProgressListener.NONE);
            ImageFixtures.assertSameTree(kept.get(0), restored);
            repository.collectGarbage();
            repository.collectGarbage();
            Path again = temp.resolve("restored-v4-again");
            repository.restore("web", 4, again, ProgressListener.NONE);
            ImageFixtures.assertSameTree(kept.get(0), again);
        }
    }
}
