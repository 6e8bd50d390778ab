package io.hydra.spi.process;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ProcessRunnerTest {
    private final ProcessRunner runner = new ProcessRunner();

    @Test
    void returnsExitCodeAndBothStreams() {
        ProcessResult r = runner.run(Duration.ofSeconds(30), "sh", "-c", "echo out; echo err >&2; exit 3");
        assertEquals(3, r.exitCode());
        assertEquals("out\n", r.stdout());
        assertEquals("err\n", r.stderr());
        assertFalse(r.succeeded());
        assertFalse(r.truncated());
    }

    /** A child that fills stderr while we would be reading stdout: both are drained at once, so it finishes. */
    @Test
    void drainsBothStreamsConcurrently() {
        ProcessResult r = runner.run(Duration.ofSeconds(30), "sh", "-c",
                "head -c 3000000 /dev/zero >&2; head -c 3000000 /dev/zero; echo done >&2");
        assertEquals(0, r.exitCode());
        assertTrue(r.truncated(), "3 MB is past the 1 MiB limit");
        assertEquals(ProcessSpec.DEFAULT_OUTPUT_LIMIT, r.stdout().length());
    }

    /**
     * The case that matters: runc forks CRIU and CRIU hangs. The child exits on its own only long after the
     * deadline, and its own child (the grandchild) hangs holding the pipes: both must be dead when run() returns.
     */
    @Test
    void deadlineKillsTheWholeSessionIncludingAHungGrandchild(@TempDir Path dir) throws Exception {
        Path pidFile = dir.resolve("grandchild.pid");
        long start = System.nanoTime();
        DeadlineExceededException e = assertThrows(DeadlineExceededException.class, () -> runner.run(
                Duration.ofMillis(1500), "sh", "-c",
                "sleep 1000 & echo $! > " + pidFile + "; echo started; wait"));
        long tookMs = (System.nanoTime() - start) / 1_000_000;
        assertTrue(tookMs < 10_000, "returned " + tookMs + " ms after start, deadline 1.5 s");
        assertTrue(e.getMessage().contains("sh did not finish within 1.5 s"), e.getMessage());
        assertEquals("started\n", e.stdout());
        long grandchild = Long.parseLong(Files.readString(pidFile).trim());
        assertTrue(dead(grandchild), "grandchild " + grandchild + " survived the kill");
    }

    /** Even when the direct child exits in time, a child it left behind holding the pipes is killed. */
    @Test
    void leftoverChildHoldingThePipesIsKilledAfterTheCommandExits(@TempDir Path dir) throws Exception {
        Path pidFile = dir.resolve("left.pid");
        ProcessResult r = runner.run(Duration.ofSeconds(60), "sh", "-c",
                "sleep 1000 & echo $! > " + pidFile + "; exit 0");
        assertEquals(0, r.exitCode());
        long left = Long.parseLong(Files.readString(pidFile).trim());
        assertTrue(dead(left), "the leftover sleep " + left + " survived");
    }

    @Test
    void commandRunsAsLeaderOfItsOwnSession() {
        ProcessResult r = runner.run(Duration.ofSeconds(30), "sh", "-c",
                "echo $$; cut -d' ' -f6 /proc/$$/stat");
        List<String> lines = r.stdout().lines().toList();
        assertEquals(lines.get(0), lines.get(1), "pid equals session id: " + r.stdout());
    }

    @Test
    void interruptKillsTheCommand(@TempDir Path dir) throws Exception {
        Path pidFile = dir.resolve("sh.pid");
        AtomicReference<Throwable> thrown = new AtomicReference<>();
        Thread caller = new Thread(() -> {
            try {
                runner.run(Duration.ofMinutes(10), "sh", "-c", "echo $$ > " + pidFile + "; sleep 1000");
            } catch (Throwable t) {
                thrown.set(t);
            }
        });
        caller.start();
        HydraAwait.until(Duration.ofSeconds(30), () -> Files.exists(pidFile) && sizeOf(pidFile) > 0, "command up");
        caller.interrupt();
        caller.join(20_000);
        assertFalse(caller.isAlive());
        assertTrue(thrown.get() instanceof ProcessException && thrown.get().getMessage().contains("interrupted"),
                String.valueOf(thrown.get()));
        long pid = Long.parseLong(Files.readString(pidFile).trim());
        assertTrue(dead(pid), "command survived the interrupt");
    }

    @Test
    void missingProgramIsAClearError() {
        ProcessResult r = runner.run(Duration.ofSeconds(30), "/nonexistent/runc", "state", "x");
        // setsid itself reports the missing program and exits 127
        assertEquals(127, r.exitCode());
        assertTrue(r.stderr().contains("/nonexistent/runc"), r.stderr());
    }

    @Test
    void badSpecsAreRefused() {
        assertThrows(IllegalArgumentException.class, () -> ProcessSpec.of(Duration.ZERO, List.of("true")));
        assertThrows(IllegalArgumentException.class, () -> ProcessSpec.of(Duration.ofSeconds(1), List.of()));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> new Deadlines(Duration.ofSeconds(-1), Duration.ofMinutes(1)));
        assertTrue(e.getMessage().contains("hydra.runtime.timeout"), e.getMessage());
        assertEquals(Map.of(), ProcessSpec.of(Duration.ofSeconds(1), List.of("true")).environment());
    }

    /** Gone, or a zombie waiting for init to reap it (it runs no more). */
    static boolean dead(long pid) {
        try {
            String stat = Files.readString(Path.of("/proc/" + pid + "/stat"));
            String state = stat.substring(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3);
            return state.equals("Z") || state.equals("X");
        } catch (java.io.IOException e) {
            return true;
        }
    }

    private static long sizeOf(Path p) {
        try {
            return Files.size(p);
        } catch (java.io.IOException e) {
            return 0;
        }
    }

    /** Polls a condition with a deadline. */
    static final class HydraAwait {
        static void until(Duration timeout, java.util.function.BooleanSupplier condition, String what)
                throws InterruptedException {
            long deadline = System.nanoTime() + timeout.toNanos();
            while (!condition.getAsBoolean()) {
                if (System.nanoTime() > deadline) {
                    throw new AssertionError("timed out waiting for: " + what);
                }
                Thread.sleep(20);
            }
        }
    }
}
