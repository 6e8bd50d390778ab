package io.hydra.checkpoint.criu;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.concurrent.TimeUnit;

/**
 * A command that must outlive the daemon (the two ends of a post-copy migration run for as long as the memory
 * takes to move, and a SIGKILLed daemon must not end them): started in a session of its own, its output in a file,
 * its exit code written to a file when it ends, so a daemon started again reads how it went. All its files are in
 * one directory: {@code NAME.pid}, {@code NAME.log}, {@code NAME.exit}.
 */
final class DetachedCommand {
    /** Writes the pid, runs the command, then its exit code to NAME.exit by rename: a reader sees all or nothing. */
    private static final String WRAPPER = "echo $$ > \"$D/$N.pid\"; \"$@\" > \"$D/$N.log\" 2>&1; rc=$?;"
            + " echo $rc > \"$D/$N.exit.tmp\" && mv \"$D/$N.exit.tmp\" \"$D/$N.exit\"";
    private static final Duration POLL = Duration.ofMillis(20);

    private final Path dir;
    private final String name;
    private final Optional<Process> process;

    private DetachedCommand(Path dir, String name, Optional<Process> process) {
        this.dir = dir;
        this.name = name;
        this.process = process;
    }

    /**
     * Starts {@code command} in {@code dir}; with {@code fd4}, the command gets that file (a FIFO) open for writing as
     * its file descriptor 4 (runc's {@code --status-fd}).
     */
    static DetachedCommand start(Path dir, String name, List<String> command, Optional<Path> fd4) throws IOException {
        Files.createDirectories(dir);
        for (String suffix : List.of(".pid", ".log", ".exit", ".exit.tmp")) {
            Files.deleteIfExists(dir.resolve(name + suffix));
        }
        List<String> argv = new ArrayList<>(List.of("setsid", "sh", "-c",
                fd4.isPresent() ? WRAPPER.replace("\"$@\"", "\"$@\" 4>\"$F\"") : WRAPPER, "sh"));
        argv.addAll(command);
        ProcessBuilder builder = new ProcessBuilder(argv).directory(dir.toFile())
                .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")))
                .redirectOutput(ProcessBuilder.Redirect.appendTo(dir.resolve(name + ".wrapper").toFile()))
                .redirectErrorStream(true);
        builder.environment().put("D", dir.toString());
        builder.environment().put("N", name);
        fd4.ifPresent(f -> builder.environment().put("F", f.toString()));
        return new DetachedCommand(dir, name, Optional.of(builder.start()));
    }

    /** The command started earlier in {@code dir}, by this daemon or one before it. */
    static DetachedCommand reopen(Path dir, String name) {
        return new DetachedCommand(dir, name, Optional.empty());
    }

    /** The exit code, once it ended. */
    OptionalInt exitCode() {
        try {
            Path exit = dir.resolve(name + ".exit");
            if (!Files.exists(exit)) {
                return OptionalInt.empty();
            }
            return OptionalInt.of(Integer.parseInt(Files.readString(exit).strip()));
        } catch (IOException | NumberFormatException e) {
            return OptionalInt.empty();
        }
    }

    /** Whether the wrapper still runs (its exit file is not written yet). */
    boolean alive() {
        if (process.isPresent()) {
            return process.get().isAlive();
        }
        return pid().flatMap(ProcessHandle::of).map(h -> h.isAlive() && ownsPid(h.pid())).orElse(false);
    }

    /**
     * Waits for the end; the exit code, or empty when it did not end in time or ended without writing one (killed).
     */
    OptionalInt awaitExit(Duration timeout) throws InterruptedException {
        long until = System.nanoTime() + timeout.toNanos();
        if (process.isPresent()) {
            process.get().waitFor(timeout.toNanos(), TimeUnit.NANOSECONDS);
        } else {
            // not this JVM's child (started before a restart): nothing to wait on but its pid
            while (alive() && System.nanoTime() < until) {
                Thread.sleep(POLL.toMillis());
            }
        }
        return exitCode();
    }

    /**
     * Waits up to {@code timeout} and says how the transfer this command carries stands: exit 0 is complete, any
     * other end is a failure that {@code failed} words from how it ended ("exit 1", "killed").
     */
    io.hydra.spi.checkpoint.LazyTransfer transfer(Duration timeout, String complete,
                                                  java.util.function.UnaryOperator<String> failed) {
        OptionalInt exit;
        try {
            exit = awaitExit(timeout);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return io.hydra.spi.checkpoint.LazyTransfer.running();
        }
        if (exit.isEmpty() && alive()) {
            return io.hydra.spi.checkpoint.LazyTransfer.running();
        }
        if (exit.isPresent() && exit.getAsInt() == 0) {
            return io.hydra.spi.checkpoint.LazyTransfer.complete(complete);
        }
        return io.hydra.spi.checkpoint.LazyTransfer.failed(failed.apply(exit.isPresent() ? "exit " + exit.getAsInt()
                : "killed"));
    }

    /** SIGKILLs the command and everything it started (its session). */
    void kill() {
        Optional<Long> pid = pid();
        if (pid.isEmpty()) {
            process.ifPresent(Process::destroyForcibly);
            return;
        }
        // setsid made the wrapper a session and group leader: the group is everything it started
        try {
            new ProcessBuilder("kill", "-KILL", "--", "-" + pid.get()).redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.DISCARD).start().waitFor(10, TimeUnit.SECONDS);
        } catch (IOException e) {
            process.ifPresent(Process::destroyForcibly);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** The command's output, its last lines. */
    String logTail(int lines) {
        try {
            List<String> all = Files.readAllLines(dir.resolve(name + ".log"), StandardCharsets.UTF_8);
            return String.join("\n", all.subList(Math.max(0, all.size() - lines), all.size())).strip();
        } catch (IOException e) {
            return "";
        }
    }

    private Optional<Long> pid() {
        try {
            return Optional.of(Long.parseLong(Files.readString(dir.resolve(name + ".pid")).strip()));
        } catch (IOException | NumberFormatException e) {
            return Optional.empty();
        }
    }

    /** A pid from a file may have been reused since: it is ours only if it still runs our wrapper for this dir. */
    private boolean ownsPid(long pid) {
        try {
            String environ = Files.readString(Path.of("/proc", Long.toString(pid), "environ"),
                    StandardCharsets.ISO_8859_1);
            return environ.contains("\0D=" + dir + "\0") || environ.startsWith("D=" + dir + "\0");
        } catch (IOException e) {
            return false;
        }
    }
}
