package io.hydra.spi.process;

import java.io.ByteArrayOutputStream;
import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Runs every external command of the daemon and its plugins (runc, CRIU): stdout and stderr drained concurrently
 * (a child filling one pipe while we wait on the other never deadlocks), a deadline, and on expiry the whole
 * session killed, not just the direct child: runc forks CRIU, and a hung CRIU must not outlive a killed runc.
 *
 * <p>Each command starts through {@code setsid}, so it leads a session of its own; everything it forks stays in that
 * session unless it calls setsid itself, and the kill walks /proc for every member. A command that exits but leaves
 * children in its session has them killed too. Thread-safe; one instance serves the whole daemon.
 */
public final class ProcessRunner {
    private static final List<Path> SETSID = List.of(Path.of("/usr/bin/setsid"), Path.of("/bin/setsid"));
    /** How long the readers may take to reach the end of the streams once the command is gone. */
    private static final Duration DRAIN_GRACE = Duration.ofSeconds(5);
    private static final Duration KILL_WAIT = Duration.ofSeconds(10);

    private final Path setsid;

    public ProcessRunner() {
        this.setsid = SETSID.stream().filter(Files::isExecutable).findFirst()
                .orElseThrow(() -> new IllegalStateException("setsid not found in " + SETSID
                        + " (util-linux): external commands cannot be run in their own session"));
    }

    public ProcessResult run(Duration deadline, String... command) {
        return run(ProcessSpec.of(deadline, List.of(command)));
    }

    public ProcessResult run(Duration deadline, List<String> command) {
        return run(ProcessSpec.of(deadline, command));
    }

    /**
     * Runs the command to its end and returns how it ended, whatever its exit code.
     *
     * @throws DeadlineExceededException the deadline passed; the session was killed
     * @throws ProcessException          it could not start, or this thread was interrupted (the session was killed)
     */
    public ProcessResult run(ProcessSpec spec) {
        List<String> cmd = new ArrayList<>(spec.command().size() + 1);
        cmd.add(setsid.toString());
        cmd.addAll(spec.command());
        ProcessBuilder builder = new ProcessBuilder(cmd).redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")));
        builder.environment().putAll(spec.environment());
        spec.directory().ifPresent(d -> builder.directory(d.toFile()));
        long start = System.nanoTime();
        Process process;
        try {
            process = builder.start();
        } catch (IOException e) {
            throw new ProcessException("cannot run " + spec.command().get(0) + ": " + e.getMessage(), e);
        }
        // setsid execs in place (the JVM's child is never a group leader), so the child's pid is the session id
        long session = process.pid();
        Drain out = new Drain(process.getInputStream(), spec.outputLimit(), spec.program() + "-stdout-" + session);
        Drain err = new Drain(process.getErrorStream(), spec.outputLimit(), spec.program() + "-stderr-" + session);
        try {
            if (!process.waitFor(spec.deadline().toNanos(), TimeUnit.NANOSECONDS)) {
                killSession(session, process);
                out.finish(DRAIN_GRACE);
                err.finish(DRAIN_GRACE);
                throw new DeadlineExceededException(spec, out.text(), err.text());
            }
            if (!sessionMembers(session).isEmpty()) {
                // the command exited but left something it forked behind (a CRIU whose runc is gone): nothing of a
                // finished call may linger. (Pid reuse would need the kernel to hand this pid to a new session
                // leader within these milliseconds; pids are allocated in sequence, so it does not happen.)
                killSession(session, process);
            }
            out.finish(DRAIN_GRACE);
            err.finish(DRAIN_GRACE);
            return new ProcessResult(spec.command(), process.exitValue(), out.text(), err.text(),
                    Duration.ofNanos(System.nanoTime() - start), out.truncated() || err.truncated());
        } catch (InterruptedException e) {
            killSession(session, process);
            out.finish(Duration.ZERO);
            err.finish(Duration.ZERO);
            Thread.currentThread().interrupt();
            throw new ProcessException("interrupted while running " + spec.program() + "; it was killed");
        }
    }

    /**
     * SIGKILLs every process of the session until none is left (a member may fork while we scan). Zombies are
     * skipped: they are dead already and their parent or init reaps them.
     */
    static void killSession(long session, Process leader) {
        // an interrupt must not cut the kill short: it is noted and restored at the end
        boolean interrupted = Thread.interrupted();
        leader.destroyForcibly();
        long deadline = System.nanoTime() + KILL_WAIT.toNanos();
        while (true) {
            List<Long> members = sessionMembers(session);
            if (members.isEmpty() || System.nanoTime() > deadline) {
                break;
            }
            for (long pid : members) {
                ProcessHandle.of(pid).ifPresent(ProcessHandle::destroyForcibly);
            }
            try {
                // SIGKILL is delivered at once but the exit takes a moment: rescan shortly, not in a spin
                Thread.sleep(10);
            } catch (InterruptedException e) {
                interrupted = true;
            }
        }
        try {
            leader.waitFor(KILL_WAIT.toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            interrupted = true;
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
    }

    /** Live (non-zombie) processes whose session id is {@code session}, from /proc/PID/stat. */
    static List<Long> sessionMembers(long session) {
        List<Long> members = new ArrayList<>();
        File[] entries = new File("/proc").listFiles();
        if (entries == null) {
            return members;
        }
        for (File entry : entries) {
            String name = entry.getName();
            if (name.isEmpty() || !Character.isDigit(name.charAt(0))) {
                continue;
            }
            String stat;
            try {
                stat = Files.readString(entry.toPath().resolve("stat"), StandardCharsets.US_ASCII);
            } catch (IOException | RuntimeException gone) {
                continue;
            }
            // pid (comm) state ppid pgrp session ...: comm may hold spaces and parentheses, so parse after the last ')'
            int close = stat.lastIndexOf(')');
            if (close < 0) {
                continue;
            }
            String[] fields = stat.substring(close + 2).split(" ");
            if (fields.length > 3 && !fields[0].equals("Z") && !fields[0].equals("X")
                    && Long.parseLong(fields[3]) == session) {
                members.add(Long.parseLong(name));
            }
        }
        return members;
    }

    /** Reads one stream to its end on its own thread, keeping at most {@code limit} bytes. */
    private static final class Drain implements Runnable {
        private final InputStream in;
        private final int limit;
        private final ByteArrayOutputStream kept = new ByteArrayOutputStream();
        private final Thread thread;
        private volatile boolean truncated;

        Drain(InputStream in, int limit, String name) {
            this.in = in;
            this.limit = limit;
            this.thread = new Thread(this, "drain-" + name);
            thread.setDaemon(true);
            thread.start();
        }

        @Override
        public void run() {
            byte[] buffer = new byte[8192];
            try {
                int n;
                while ((n = in.read(buffer)) >= 0) {
                    synchronized (kept) {
                        int room = limit - kept.size();
                        if (room > 0) {
                            kept.write(buffer, 0, Math.min(room, n));
                        }
                        if (n > room) {
                            truncated = true;
                        }
                    }
                }
            } catch (IOException closed) {
                // the stream was closed under us after a kill: what was read is kept
            }
        }

        /** Waits a little for the end of the stream, then closes it so the thread ends whatever holds the pipe. */
        void finish(Duration grace) {
            try {
                if (!grace.isZero()) {
                    thread.join(grace.toMillis());
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            try {
                in.close();
            } catch (IOException ignored) {
                // closing only to release the reader
            }
        }

        boolean truncated() {
            return truncated;
        }

        String text() {
            synchronized (kept) {
                return kept.toString(StandardCharsets.UTF_8);
            }
        }
    }
}
