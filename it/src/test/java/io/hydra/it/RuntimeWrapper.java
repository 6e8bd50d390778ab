package io.hydra.it;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/**
 * A shell script the daemon runs as its runtime (hydra.runtime.path): the real runc, after lines of its own that
 * inject the fault a test needs (a hang, a delay, a failing verb) where a real one cannot be produced on demand.
 */
final class RuntimeWrapper {
    private RuntimeWrapper() {
    }

    /** Writes an executable script at {@code file}: {@code lines}, then the real runc with the arguments given. */
    static Path around(Path file, String... lines) throws IOException {
        List<String> script = new ArrayList<>();
        script.add("#!/bin/sh");
        Collections.addAll(script, lines);
        script.add("exec " + HydraDaemonProcess.RUNC + " \"$@\"");
        script.add("");
        Files.writeString(file, String.join("\n", script));
        Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rwxr-xr-x"));
        return file;
    }

    /**
     * A runtime whose checkpoint freezes the container (as CRIU's freezer would), touches {@code paused}, then hangs
     * in a child whose pid it writes to {@code hungPid}: a dump hung with the container frozen.
     */
    static Path freezingAndHangingOnCheckpoint(Path file, Path paused, Path hungPid) throws IOException {
        return around(file,
                "# the real runc for everything but checkpoint; on checkpoint: freeze the container, then hang",
                "root=''; prev=''; id=''; verb=''",
                "for a in \"$@\"; do",
                "  [ \"$prev\" = --root ] && root=$a",
                "  [ \"$a\" = checkpoint ] && verb=checkpoint",
                "  prev=$a; id=$a",
                "done",
                "if [ \"$verb\" = checkpoint ]; then",
                "  " + HydraDaemonProcess.RUNC + " --root \"$root\" pause \"$id\" && touch " + paused,
                "  sleep 100000 &",
                "  echo $! > " + hungPid,
                "  wait",
                "  exit 1",
                "fi");
    }
}
