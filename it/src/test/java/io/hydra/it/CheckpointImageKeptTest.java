package io.hydra.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;

/**
 * A stopping checkpoint's staged image is the only copy of the container's processes until its version is
 * committed: an error after the dump must not delete it, and a second operation on the container must not settle
 * the checkpoint's intent (which says where the image is).
 */
class CheckpointImageKeptTest {
    private static final String COUNTER = "i=0; while true; do i=$((i+1)); echo \"round $i\"; sleep 0.2; done";

    /** runc's delete of the dumped container fails: the checkpoint still commits and the container restores. */
    @Test
    void aFailingRuntimeDeleteAfterTheDumpKeepsTheCheckpoint() throws Exception {
        Path work = Files.createTempDirectory(Path.of("/tmp"), "hydra-it-delete-fails-");
        Path failDelete = work.resolve("fail-delete");
        Path wrapper = work.resolve("runc-delete-fails");
        RuntimeWrapper.around(wrapper,
                "for a in \"$@\"; do",
                "  if [ \"$a\" = delete ] && [ -e " + failDelete + " ]; then",
                "    echo 'time=\"x\" level=error msg=\"injected: cgroup busy\"' >&2; exit 1",
                "  fi",
                "done");
        try (HydraDaemonProcess daemon = new HydraDaemonProcess("delete-fails", "hydra.runtime.path=" + wrapper)
                .start()) {
            Path rootfs = BusyboxRootfs.create(daemon.dir.resolve("rootfs"));
            daemon.ok("run", "-d", "--name", "c", "--rootfs", rootfs.toString(), "--", "sh", "-c", COUNTER);
            HydraDaemonProcess.awaitTrue(Duration.ofSeconds(60), () -> Memhog.lastRound(daemon, "c") >= 3,
                    "counting");
            Files.writeString(failDelete, "1");
            HydraDaemonProcess.Result r = daemon.hydra("checkpoint", "c");
            assertEquals(0, r.code(), "checkpoint despite the failing delete: " + r.err() + "\n" + daemon.readLog());
            assertEquals("checkpointed", daemon.status("c"));
            assertTrue(daemon.ok("checkpoints", "c", "--format", "json").json().size() >= 1, "a committed version");
            Files.delete(failDelete);
            long before = Memhog.lastRound(daemon, "c");
            daemon.ok("restore", "c");
            assertEquals("running", daemon.status("c"));
            HydraDaemonProcess.awaitTrue(Duration.ofSeconds(60), () -> Memhog.lastRound(daemon, "c") > before + 2,
                    "the restored counter goes on");
        } finally {
            HydraDaemonProcess.sh("rm", "-rf", work.toString());
        }
    }

    /**
     * While a leave-running checkpoint uploads, a stopping checkpoint and a restart of the same container are
     * refused, so neither replaces the intent the upload settles at its end; afterwards both work.
     */
    @Test
    void aSecondOperationIsRefusedWhileACheckpointIsOpen() throws Exception {
        try (HydraDaemonProcess daemon = new HydraDaemonProcess("overlap").start()) {
            Path rootfs = BusyboxRootfs.create(daemon.dir.resolve("rootfs"));
            Memhog.installInto(rootfs);
            daemon.ok("run", "-d", "--name", "c", "--rootfs", rootfs.toString(), "--", "memhog", "400", "100", "200");
            HydraDaemonProcess.awaitTrue(Duration.ofSeconds(120), () -> Memhog.lastRound(daemon, "c") >= 2,
                    "counting");
            Path db = daemon.root.resolve("state.db");
            CompletableFuture<HydraDaemonProcess.Result> first = CompletableFuture.supplyAsync(
                    () -> daemon.hydra("checkpoint", "--leave-running", "c"));
            HydraDaemonProcess.awaitTrue(Duration.ofSeconds(180), () -> intents(db).contains("\"dumped\"")
                    || first.isDone(), "the first checkpoint dumped and uploading");
            if (first.isDone()) {
                throw new AssertionError("the upload ended before the test could overlap it: " + first.join().err());
            }
            HydraDaemonProcess.Result second = daemon.hydra("checkpoint", "c");
            HydraDaemonProcess.Result restart = daemon.hydra("restart", "c");
            boolean stillUploading = !first.isDone();
            HydraDaemonProcess.Result firstResult = first.get(5, TimeUnit.MINUTES);
            assertEquals(0, firstResult.code(), firstResult.err());
            if (stillUploading) {
                assertTrue(second.code() != 0 && second.err().contains("a checkpoint of it is in progress"),
                        "a stopping checkpoint during the upload: " + second.code() + " " + second.err());
                assertTrue(restart.code() != 0 && restart.err().contains("a checkpoint of it is in progress"),
                        "a restart during the upload: " + restart.code() + " " + restart.err());
                assertEquals("running", daemon.status("c"));
            }
            assertEquals("", intents(db).strip(), "the first checkpoint settled its own intent");
            daemon.ok("checkpoint", "c");
            assertEquals("checkpointed", daemon.status("c"));
            assertEquals("", intents(db).strip(), "the second checkpoint settled its own intent");
            daemon.ok("restore", "c");
            assertEquals("running", daemon.status("c"));
        }
    }

    private static String intents(Path db) {
        try {
            return HydraDaemonProcess.sh("sqlite3", db.toString(), "SELECT intent FROM intents");
        } catch (Exception e) {
            return "ERR " + e;
        }
    }
}
