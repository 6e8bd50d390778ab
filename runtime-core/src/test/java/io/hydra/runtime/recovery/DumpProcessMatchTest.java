package io.hydra.runtime.recovery;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.List;

import org.junit.jupiter.api.Test;

/** Which processes recovery waits for and kills as dumps of a staged checkpoint directory. */
class DumpProcessMatchTest {
    private static final List<Path> DIRS = List.of(Path.of("/var/lib/hydra/checkpoints/abc-1"));

    @Test
    void theRuntimesCheckpointOfTheDirectoryIsADump() {
        assertTrue(CheckpointRecovery.isDump(List.of("/usr/sbin/runc", "--root", "/run/hydra", "--criu",
                "/usr/local/sbin/criu", "checkpoint", "--image-path", "/var/lib/hydra/checkpoints/abc-1/image",
                "--work-path", "/var/lib/hydra/checkpoints/abc-1/work", "abc"), DIRS));
        // a wrapper script run by its interpreter carries the same arguments
        assertTrue(CheckpointRecovery.isDump(List.of("/bin/sh", "/opt/runc-wrapper", "checkpoint", "--image-path",
                "/var/lib/hydra/checkpoints/abc-1/image", "abc"), DIRS));
    }

    @Test
    void aRestoredContainersMonitorIsNoDump() {
        assertFalse(CheckpointRecovery.isDump(List.of("/usr/bin/conmon", "--restore",
                "/var/lib/hydra/checkpoints/abc-1/image", "--restore-arg", "--tcp-established", "-c", "abc",
                "--exit-command-arg", "checkpoint"), DIRS));
        assertFalse(CheckpointRecovery.isDump(List.of("/usr/sbin/runc", "restore", "--image-path",
                "/var/lib/hydra/checkpoints/abc-1/image", "abc"), DIRS));
    }

    @Test
    void anotherDirectorysDumpIsNotThisOnes() {
        assertFalse(CheckpointRecovery.isDump(List.of("/usr/sbin/runc", "checkpoint", "--image-path",
                "/var/lib/hydra/checkpoints/xyz-2/image", "xyz"), DIRS));
    }
}
