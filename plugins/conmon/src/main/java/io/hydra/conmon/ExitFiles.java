package io.hydra.conmon;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;

import io.hydra.spi.monitor.ExitReport;

/**
 * What conmon leaves when a container exits: {@code <exitDir>/<id>} with the code (128+N when signal N killed it,
 * which conmon does not tell apart from {@code exit(128+N)}), and in the persist directory an {@code exit} copy
 * and an {@code oom} marker.
 */
final class ExitFiles {
    private static final String[] SIGNALS = {"", "SIGHUP", "SIGINT", "SIGQUIT", "SIGILL", "SIGTRAP", "SIGABRT",
            "SIGBUS", "SIGFPE", "SIGKILL", "SIGUSR1", "SIGSEGV", "SIGUSR2", "SIGPIPE", "SIGALRM", "SIGTERM"};

    private final Path exitDir;

    ExitFiles(Path exitDir) {
        this.exitDir = exitDir;
    }

    Path exitDir() {
        return exitDir;
    }

    static Path persistDir(Path containerDir) {
        return containerDir.resolve("persist");
    }

    /** Empty while the file is absent or not yet written whole. */
    Optional<ExitReport> read(String containerId, Path containerDir) {
        return read(exitDir.resolve(containerId), persistDir(containerDir));
    }

    static Optional<ExitReport> read(Path exitFile, Path persistDir) {
        String text = readTrimmed(exitFile);
        if (text.isEmpty() && persistDir != null) {
            // conmon writes the code to the persist dir too; a container launched before the exit dir moved under
            // this plugin (an upgrade while it ran) has its exit file where its conmon was told, not here
            text = readTrimmed(persistDir.resolve("exit"));
        }
        if (text.isEmpty()) {
            return Optional.empty();
        }
        Integer code;
        try {
            code = Integer.parseInt(text);
        } catch (NumberFormatException e) {
            code = null;
        }
        boolean oom = persistDir != null && Files.exists(persistDir.resolve("oom"));
        return Optional.of(new ExitReport(code, code == null ? null : signal(code), oom));
    }

    /** Empty while the file is absent or not yet written. */
    private static String readTrimmed(Path file) {
        try {
            return Files.readString(file).trim();
        } catch (IOException e) {
            return "";
        }
    }

    void clear(String containerId, Path containerDir) throws IOException {
        Files.deleteIfExists(exitDir.resolve(containerId));
        Files.deleteIfExists(persistDir(containerDir).resolve("oom"));
        Files.deleteIfExists(persistDir(containerDir).resolve("exit"));
    }

    /** The signal name for a 128+N status, or null. */
    static String signal(int code) {
        int n = code - 128;
        if (n <= 0 || n > 64) {
            return null;
        }
        return n < SIGNALS.length ? SIGNALS[n] : "SIG" + n;
    }
}
