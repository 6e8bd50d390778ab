package io.hydra.runtime.container;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Optional;

/**
 * What conmon left when a container exited: the exit file (the code; 128+N when signal N killed it, which conmon
 * does not tell apart from {@code exit(128+N)}) and the {@code oom} marker in the persist directory.
 */
record ExitStatus(int code, boolean oomKilled) {
    private static final String[] SIGNALS = {"", "SIGHUP", "SIGINT", "SIGQUIT", "SIGILL", "SIGTRAP", "SIGABRT",
            "SIGBUS", "SIGFPE", "SIGKILL", "SIGUSR1", "SIGSEGV", "SIGUSR2", "SIGPIPE", "SIGALRM", "SIGTERM"};

    /** Empty while the file is absent or not yet written whole. */
    static Optional<ExitStatus> read(Path exitFile, Path persistDir) {
        String text;
        try {
            text = Files.readString(exitFile).trim();
        } catch (NoSuchFileException e) {
            return Optional.empty();
        } catch (IOException e) {
            return Optional.empty();
        }
        if (text.isEmpty()) {
            return Optional.empty();
        }
        int code;
        try {
            code = Integer.parseInt(text);
        } catch (NumberFormatException e) {
            code = -1;
        }
        boolean oom = persistDir != null && Files.exists(persistDir.resolve("oom"));
        return Optional.of(new ExitStatus(code, oom));
    }

    /** The signal name for a 128+N status, or null. */
    String signal() {
        int n = code - 128;
        if (n <= 0 || n > 64) {
            return null;
        }
        return n < SIGNALS.length ? SIGNALS[n] : "SIG" + n;
    }
}
