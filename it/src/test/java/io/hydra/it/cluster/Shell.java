package io.hydra.it.cluster;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;

/** Commands the harness runs on the host (ip, openssl, kill), and waiting on a condition with a deadline. */
final class Shell {
    private Shell() {
    }

    record Output(int code, String text) {
    }

    /** Runs a command and returns its exit code and merged output; a command that hangs 60 s is an error. */
    static Output run(List<String> command) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(command).redirectErrorStream(true)
                .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null"))).start();
        byte[] out = p.getInputStream().readAllBytes();
        if (!p.waitFor(60, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new IOException("hung: " + command);
        }
        return new Output(p.exitValue(), new String(out, StandardCharsets.UTF_8));
    }

    static Output run(String... command) throws IOException, InterruptedException {
        return run(List.of(command));
    }

    /** Runs a command that must succeed. */
    static String must(String... command) throws IOException, InterruptedException {
        Output o = run(command);
        if (o.code() != 0) {
            throw new IOException(String.join(" ", command) + " exited " + o.code() + ": " + o.text());
        }
        return o.text();
    }

    interface Check {
        boolean test() throws Exception;
    }

    /** Waits until {@code condition} holds, polling; fails naming {@code what} at the deadline. */
    static void await(Duration timeout, String what, Check condition) throws Exception {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!condition.test()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("timed out after " + timeout.toSeconds() + " s waiting for " + what);
            }
            Thread.sleep(100);
        }
    }

    /**
     * Checks that {@code invariant} holds at every poll for the whole of {@code period}: a "nothing happens" check
     * is a deadline too, not a sleep followed by one look.
     */
    static void holdsFor(Duration period, String what, Check invariant) throws Exception {
        long end = System.nanoTime() + period.toNanos();
        while (System.nanoTime() < end) {
            if (!invariant.test()) {
                throw new AssertionError("broken after " + Duration.ofNanos(period.toNanos() - (end - System.nanoTime()))
                        .toMillis() + " ms: " + what);
            }
            Thread.sleep(200);
        }
    }

    static BooleanSupplier unchecked(Check c) {
        return () -> {
            try {
                return c.test();
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        };
    }
}
