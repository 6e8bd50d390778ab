package io.hydra.cli.containers;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;

/**
 * Our own terminal in raw mode for {@code run -t} and {@code attach} to a tty container, so keys reach the
 * container's terminal as typed (its line discipline echoes them and handles ctrl-c); restored on close, and by a
 * shutdown hook if the JVM ends first. Uses stty on /dev/tty, as the shell's own terminal is ours.
 */
final class RawTerminal implements AutoCloseable {
    private final String saved;
    private final Thread restoreHook;
    private boolean restored;

    private RawTerminal(String saved) {
        this.saved = saved;
        this.restoreHook = new Thread(this::restore, "restore-terminal");
        Runtime.getRuntime().addShutdownHook(restoreHook);
    }

    /** Raw mode when our stdin and stdout are a terminal; null (nothing to restore) otherwise. */
    static RawTerminal enterIfTerminal(boolean ourStdin) throws IOException, InterruptedException {
        if (!ourStdin || System.console() == null) {
            return null;
        }
        String saved = stty("-g").trim();
        RawTerminal t = new RawTerminal(saved);
        stty("raw", "-echo");
        return t;
    }

    private static String stty(String... args) throws IOException, InterruptedException {
        String[] cmd = new String[args.length + 1];
        cmd[0] = "stty";
        System.arraycopy(args, 0, cmd, 1, args.length);
        Process p = new ProcessBuilder(cmd).redirectInput(new File("/dev/tty"))
                .redirectError(ProcessBuilder.Redirect.INHERIT).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (p.waitFor() != 0) {
            throw new IOException("stty " + String.join(" ", args) + " failed with status " + p.exitValue());
        }
        return out;
    }

    private synchronized void restore() {
        if (restored) {
            return;
        }
        restored = true;
        try {
            stty(saved);
        } catch (IOException e) {
            System.err.println("hydra: cannot restore the terminal (run 'stty sane'): " + e.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @Override
    public void close() {
        restore();
        try {
            Runtime.getRuntime().removeShutdownHook(restoreHook);
        } catch (IllegalStateException e) {
            // the JVM is shutting down: the hook runs (or ran) anyway
        }
    }
}
