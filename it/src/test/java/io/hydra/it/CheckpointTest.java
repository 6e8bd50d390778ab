package io.hydra.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import com.fasterxml.jackson.databind.JsonNode;

/** Real CRIU checkpoints of a counting, memory-holding process, into the directory store. */
class CheckpointTest {

    private static Path rootfsWithMemhog(HydraDaemonProcess daemon) throws Exception {
        Path rootfs = BusyboxRootfs.create(daemon.dir.resolve("rootfs"));
        Memhog.installInto(rootfs);
        return rootfs;
    }

    /** The counter goes on from where it was: the first round after the restore follows the last before it. */
    static void assertContinues(HydraDaemonProcess daemon, String name, long lastBefore) throws Exception {
        HydraDaemonProcess.awaitTrue(Duration.ofSeconds(20), () -> Memhog.lastRound(daemon, name) > lastBefore + 2,
                "the restored counter to advance");
        List<Long> rounds = Memhog.rounds(daemon, name);
        int at = rounds.indexOf(lastBefore);
        assertTrue(at >= 0, "round " + lastBefore + " is in the log");
        assertEquals(lastBefore + 1, rounds.get(at + 1), "the counter resumed, it did not start over: " + rounds);
        assertEquals(1, rounds.stream().filter(r -> r == 1L).count(), "round 1 only once: " + rounds);
    }

    @ParameterizedTest
    @ValueSource(strings = {"eager", "lazy"})
    void aCheckpointedCounterContinuesAfterRestore(String monitor) throws Exception {
        try (HydraDaemonProcess daemon = new HydraDaemonProcess("ckpt-" + monitor).start()) {
            Path rootfs = rootfsWithMemhog(daemon);
            daemon.ok("run", "-d", "--name", "c", "--monitor", monitor, "--rootfs", rootfs.toString(), "--",
                    "memhog", "16", "5", "100");
            HydraDaemonProcess.awaitTrue(Duration.ofSeconds(10), () -> Memhog.lastRound(daemon, "c") >= 3, "counting");

            HydraDaemonProcess.Result first = daemon.ok("checkpoint", "--leave-running", "c", "--format", "json");
            assertEquals(1, first.json().get("version").asInt());
            assertEquals("running", daemon.status("c"));

            HydraDaemonProcess.Result second = daemon.ok("checkpoint", "c", "--format", "json");
            JsonNode summary = second.json();
            assertEquals(2, summary.get("version").asInt());
            assertEquals("checkpointed", summary.get("status").asText());
            assertTrue(summary.get("logicalBytes").asLong() > 16L << 20, summary.toString());
            assertTrue(summary.get("frozenMs").asLong() > 0, summary.toString());
            assertEquals("checkpointed", daemon.status("c"));
            // wait answers at once for a checkpointed container, and not with a successful exit it never made
            assertTrue(daemon.hydra("wait", "c").code() != 0, "wait on a checkpointed container reports no exit 0");
            long lastBefore = Memhog.lastRound(daemon, "c");
            Thread.sleep(500);
            assertEquals(lastBefore, Memhog.lastRound(daemon, "c"), "a checkpointed container does not run");

            JsonNode versions = daemon.ok("checkpoints", "c", "--format", "json").json();
            assertEquals(2, versions.size());
            for (String field : new String[] {"version", "createdAt", "bytes", "storedBytes", "frozenMs", "complete"}) {
                assertTrue(versions.get(0).has(field), "checkpoints --format json lacks " + field);
            }
            assertTrue(versions.get(1).get("complete").asBoolean());

            daemon.ok("restore", "c");
            JsonNode restored = daemon.inspect("c");
            assertEquals("running", restored.get("status").asText());
            assertEquals(monitor, restored.get("monitor").asText());
            assertContinues(daemon, "c", lastBefore);
            // supervised like any container: exec works and its exit is seen
            assertEquals(0, daemon.hydra("exec", "c", "--", "true").code());
            String events = daemon.ok("events", "--container", "c").out();
            assertTrue(events.contains("io.hydra.checkpoint.created") && events.contains("io.hydra.container.restored"),
                    events);
            daemon.ok("kill", "c");
            assertEquals(137, daemon.hydra("wait", "c").code());
        }
    }

    @Test
    void restoreAfterTheDaemonWasKilledBetweenCheckpointAndRestore() throws Exception {
        try (HydraDaemonProcess daemon = new HydraDaemonProcess("ckpt-kill").start()) {
            Path rootfs = rootfsWithMemhog(daemon);
            daemon.ok("run", "-d", "--name", "k", "--rootfs", rootfs.toString(), "--", "memhog", "16", "5", "100");
            HydraDaemonProcess.awaitTrue(Duration.ofSeconds(10), () -> Memhog.lastRound(daemon, "k") >= 3, "counting");
            daemon.ok("checkpoint", "k");
            long lastBefore = Memhog.lastRound(daemon, "k");
            daemon.kill9();
            daemon.start();
            assertEquals("checkpointed", daemon.status("k"));
            daemon.ok("restore", "k");
            assertContinues(daemon, "k", lastBefore);
            // and a restored container survives a daemon SIGKILL like any other
            daemon.kill9();
            daemon.start();
            assertEquals("running", daemon.status("k"));
            long now = Memhog.lastRound(daemon, "k");
            HydraDaemonProcess.awaitTrue(Duration.ofSeconds(10), () -> Memhog.lastRound(daemon, "k") > now,
                    "still counting after the daemon's restart");
            daemon.ok("rm", "-f", "k");
        }
    }

    @Test
    void aDaemonKilledMidUploadLeavesNoVisibleVersion() throws Exception {
        try (HydraDaemonProcess daemon = new HydraDaemonProcess("ckpt-midupload").start()) {
            Path rootfs = rootfsWithMemhog(daemon);
            // every page changes each round, so the second upload is as large as the first: a wide window to kill in
            // (with 1% the deduplicated second upload was ~17 MB and could commit before the SIGKILL landed)
            daemon.ok("run", "-d", "--name", "u", "--rootfs", rootfs.toString(), "--", "memhog", "256", "100", "200");
            HydraDaemonProcess.awaitTrue(Duration.ofSeconds(30), () -> Memhog.lastRound(daemon, "u") >= 2, "counting");
            daemon.ok("checkpoint", "--leave-running", "u");

            CompletableFuture<HydraDaemonProcess.Result> second =
                    CompletableFuture.supplyAsync(() -> daemon.hydra("checkpoint", "--leave-running", "u"));
            // kill as soon as the dump is done and the upload has begun: packs appear in the store
            Path packs = daemon.root.resolve("storage/packs");
            long packsBefore = count(packs);
            HydraDaemonProcess.awaitTrue(Duration.ofSeconds(60), () -> count(packs) > packsBefore,
                    "the second upload to begin");
            daemon.kill9();
            assertTrue(second.get().code() != 0);

            daemon.start();
            JsonNode versions = daemon.ok("checkpoints", "u", "--format", "json").json();
            assertEquals(1, versions.size(), "only the first, complete version is visible: " + versions);
            assertTrue(versions.get(0).get("complete").asBoolean());
            try (Stream<Path> staged = Files.list(daemon.root.resolve("checkpoints"))) {
                assertEquals(0, staged.count(), "the staged image was cleaned up");
            }
            daemon.ok("rm", "-f", "u");
            daemon.ok("restore", "u", "--as", "u2");
            assertEquals("running", daemon.status("u2"));
            daemon.ok("rm", "-f", "u2");
        }
    }

    @Test
    void aDaemonKilledMidUploadOfAStoppingCheckpointLosesNoContainer() throws Exception {
        try (HydraDaemonProcess daemon = new HydraDaemonProcess("ckpt-stop-midupload").start()) {
            Path rootfs = rootfsWithMemhog(daemon);
            daemon.ok("run", "-d", "--name", "s", "--rootfs", rootfs.toString(), "--", "memhog", "320", "1", "200");
            HydraDaemonProcess.awaitTrue(Duration.ofSeconds(60), () -> Memhog.lastRound(daemon, "s") >= 2, "counting");
            String id = daemon.inspect("s").get("id").asText();

            CompletableFuture<HydraDaemonProcess.Result> checkpoint =
                    CompletableFuture.supplyAsync(() -> daemon.hydra("checkpoint", "s"));
            // kill once the dump has stopped the container and the upload has begun: packs appear in the store
            Path packs = daemon.root.resolve("storage/packs");
            HydraDaemonProcess.awaitTrue(Duration.ofSeconds(120), () -> count(packs) > 0, "the upload to begin");
            // the dump is over (the upload follows it): this is the last round the container printed
            long lastBefore = Memhog.lastRound(daemon, "s");
            daemon.kill9();
            assertTrue(checkpoint.get().code() != 0);
            assertFalse(daemon.runc("state", id).contains("\"running\""), "the stopping dump stopped the container");

            daemon.start();
            // recovery committed the staged image, or restored the container from it: either way nothing is lost
            String status = daemon.status("s");
            JsonNode versions = daemon.ok("checkpoints", "s", "--format", "json").json();
            System.out.println("after recovery of the interrupted stopping checkpoint: " + status + ", versions "
                    + versions);
            if (status.equals("checkpointed")) {
                assertEquals(1, versions.size(), "the staged image was committed: " + versions);
                assertTrue(versions.get(0).get("complete").asBoolean());
                assertFalse(daemon.runc("state", id).contains("\"running\""));
                daemon.ok("restore", "s");
            } else {
                assertEquals("running", status, "neither committed nor running: " + versions);
            }
            assertTrue(daemon.runc("state", id).contains("\"running\""), "runc runs what the record says runs");
            assertContinues(daemon, "s", lastBefore);
            try (Stream<Path> staged = Files.list(daemon.root.resolve("checkpoints"))) {
                assertEquals(0, staged.count(), "the staged image goes once its checkpoint is settled");
            }
            daemon.ok("rm", "-f", "s");
        }
    }

    private static long count(Path dir) {
        if (!Files.isDirectory(dir)) {
            return 0;
        }
        try (Stream<Path> files = Files.walk(dir)) {
            return files.filter(Files::isRegularFile).count();
        } catch (java.io.IOException | java.io.UncheckedIOException e) {
            return 0;
        }
    }

    @Test
    void corruptionAndBadRequestsAreRefusedBeforeCriuSeesAnything() throws Exception {
        try (HydraDaemonProcess daemon = new HydraDaemonProcess("ckpt-bad").start()) {
            Path rootfs = rootfsWithMemhog(daemon);
            daemon.ok("run", "-d", "--name", "a", "--rootfs", rootfs.toString(), "--", "memhog", "8", "5", "100");
            daemon.ok("run", "-d", "--name", "b", "--rootfs", rootfs.toString(), "--", "memhog", "8", "5", "100");
            daemon.ok("checkpoint", "a");
            daemon.ok("checkpoint", "--leave-running", "b");

            fails(daemon, "no such container: ghost", "checkpoint", "ghost");
            fails(daemon, "has no checkpoint version 99", "restore", "a", "--version", "99");
            fails(daemon, "only a running container can be checkpointed", "checkpoint", "a");
            fails(daemon, "is running", "restore", "b");
            fails(daemon, "has no checkpoint version 7", "rm-checkpoint", "a", "--version", "7");
            fails(daemon, "--every must be a duration", "policy", "b", "--every", "soon");

            String idA = daemon.inspect("a").get("id").asText();
            String idB = daemon.inspect("b").get("id").asText();
            Path manifests = daemon.root.resolve("storage/manifests");
            // a version of another container, planted under a's name
            Files.copy(manifests.resolve(idB).resolve(String.format("%020d.json", 1)),
                    manifests.resolve(idA).resolve(String.format("%020d.json", 5)));
            fails(daemon, "container " + idB, "restore", "a", "--version", "5");
            // a manifest that is not valid
            Files.writeString(manifests.resolve(idA).resolve(String.format("%020d.json", 6)), "{ not json");
            JsonNode listed = daemon.ok("checkpoints", "a", "--format", "json").json();
            assertFalse(listed.get(listed.size() - 1).get("complete").asBoolean(), listed.toString());
            fails(daemon, "cannot be restored", "restore", "a", "--version", "6");

            // flip bytes in the middle of every pack: restore must refuse and name the version and a chunk
            try (Stream<Path> packs = Files.walk(daemon.root.resolve("storage/packs"))) {
                for (Path pack : packs.filter(Files::isRegularFile).toList()) {
                    byte[] bytes = Files.readAllBytes(pack);
                    for (int i = bytes.length / 2; i < bytes.length / 2 + 64 && i < bytes.length; i++) {
                        bytes[i] ^= 0x5a;
                    }
                    Files.write(pack, bytes);
                }
            }
            HydraDaemonProcess.Result corrupt = daemon.hydra("restore", "a", "--version", "1");
            assertEquals(1, corrupt.code());
            // A chunk of a small file, or a page of the memory image (stored by page): named either way.
            assertTrue(corrupt.err().contains("version 1")
                    && (corrupt.err().contains("chunk ") || corrupt.err().matches("(?s).*page \\d+ of pages-.*")),
                    corrupt.err());
            assertEquals("checkpointed", daemon.status("a"), "nothing was restored");
            try (Stream<Path> staged = Files.list(daemon.root.resolve("checkpoints"))) {
                assertEquals(0, staged.count(), "no image was left for CRIU");
            }
            daemon.ok("rm", "-f", "b");
        }
    }

    private static void fails(HydraDaemonProcess daemon, String expected, String... args) {
        HydraDaemonProcess.Result r = daemon.hydra(args);
        assertTrue(r.code() != 0, "should fail: " + String.join(" ", args));
        assertTrue(r.err().contains(expected), "error should say '" + expected + "' but was: " + r.err());
    }
}
