package io.hydra.it.cluster;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** The machine's uptime, the clock the counter containers stamp their lines with. */
final class Uptime {
    private Uptime() {
    }

    static double now() throws IOException {
        return Double.parseDouble(Files.readString(Path.of("/proc/uptime")).split(" ")[0]);
    }
}
