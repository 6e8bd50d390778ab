package io.hydra.it;

import java.nio.file.Files;
import java.nio.file.Path;

/** Compiles the memory-holding counter program (a static binary) into a rootfs. */
final class Memhog {
    private Memhog() {
    }

    static void installInto(Path rootfs) throws Exception {
        Path source = Path.of(Memhog.class.getResource("/memhog.c").toURI());
        Path binary = rootfs.resolve("bin/memhog");
        Process p = new ProcessBuilder("gcc", "-static", "-O2", "-o", binary.toString(), source.toString())
                .redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes());
        if (p.waitFor() != 0 || !Files.isExecutable(binary)) {
            throw new IllegalStateException("cannot build memhog (gcc and libc6-dev are needed): " + out);
        }
    }

    /** The highest "round N" the container printed, from its log. */
    static long lastRound(HydraDaemonProcess daemon, String name) {
        long last = 0;
        for (String line : daemon.ok("logs", name).out().split("\n")) {
            if (line.startsWith("round ")) {
                last = Math.max(last, Long.parseLong(line.substring(6).trim()));
            }
        }
        return last;
    }

    /** Every round number printed, in order. */
    static java.util.List<Long> rounds(HydraDaemonProcess daemon, String name) {
        java.util.List<Long> rounds = new java.util.ArrayList<>();
        for (String line : daemon.ok("logs", name).out().split("\n")) {
            if (line.startsWith("round ")) {
                rounds.add(Long.parseLong(line.substring(6).trim()));
            }
        }
        return rounds;
    }
}
