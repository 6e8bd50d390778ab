package io.hydra.conmon;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import io.hydra.spi.monitor.LaunchRequest;
import io.hydra.spi.monitor.MonitorException;
import io.hydra.spi.monitor.MonitorRecord;
import io.hydra.spi.monitor.ProcessIdentity;
import io.hydra.spi.process.Deadlines;
import io.hydra.spi.process.ProcessException;
import io.hydra.spi.process.ProcessRunner;
import jnr.ffi.Memory;
import jnr.ffi.Pointer;
import jnr.ffi.byref.IntByReference;

/**
 * Starts conmon for one container and reads back, from its sync pipe, the container's pid or the runtime's error.
 * Both monitor strategies use it; they differ only in whether conmon stays our child ({@code --sync}).
 */
public final class ConmonLauncher {
    /** Attribute keys in {@link MonitorRecord#attributes()}. */
    public static final String ATTACH_SOCKET = "attachSocket";
    public static final String CONTROL_FIFO = "controlFifo";
    public static final String PERSIST_DIR = "persistDir";

    private static final LibC C = LibC.INSTANCE;
    private static final Pattern SYNC_DATA = Pattern.compile("\"data\"\\s*:\\s*(-?\\d+)");
    private static final Pattern SYNC_MESSAGE = Pattern.compile("\"message\"\\s*:\\s*\"((?:[^\"\\\\]|\\\\.)*)\"");

    private final Path conmon;
    private final String logLevel;
    private final Deadlines deadlines;
    private final ProcessRunner processes;

    /**
     * @param deadlines a create must report within {@link Deadlines#runtime()}, a restore (a request with a
     *                  restore image) within {@link Deadlines#checkpoint()}
     * @param processes runs the runtime's own clean-up after a launch that missed its deadline
     */
    public ConmonLauncher(Path conmon, String logLevel, Deadlines deadlines, ProcessRunner processes) {
        if (!Files.isExecutable(conmon)) {
            throw new MonitorException("conmon not found or not executable at " + conmon
                    + " (install Debian's conmon or set hydra.monitor.conmon-path)");
        }
        this.conmon = conmon;
        this.logLevel = logLevel;
        this.deadlines = deadlines;
        this.processes = processes;
    }

    /** The outcome of a launch: the monitor's pid (ours to reap when {@code child}) and the container's. */
    public record Launched(ProcessIdentity monitor, ProcessIdentity container, boolean child,
                           Map<String, String> attributes) {
    }

    public Launched launch(LaunchRequest request, Path exitDir, boolean stayChild) {
        Path persistDir = ExitFiles.persistDir(request.containerDir());
        Path conmonPidFile = request.containerDir().resolve("conmon.pid");
        try {
            Files.createDirectories(persistDir);
            Files.createDirectories(request.socketDir());
            Files.createDirectories(exitDir);
            Files.deleteIfExists(conmonPidFile);
        } catch (IOException e) {
            throw new MonitorException("cannot prepare monitor directories for " + request.name() + ": " + e, e);
        }
        List<String> argv = arguments(request, exitDir, persistDir, conmonPidFile, stayChild);

        int[] sync = pipe();
        int[] start = pipe();
        int pid;
        try {
            Map<String, String> env = new LinkedHashMap<>();
            env.put("PATH", "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin");
            env.put("_OCI_SYNCPIPE", "3");
            env.put("_OCI_STARTPIPE", "4");
            // conmon drops an "oom" file into its working directory: keep it in the container's own
            pid = Spawner.spawn(conmon.toString(), argv, env, List.of(sync[1], start[0]),
                    request.containerDir().toString());
        } catch (RuntimeException e) {
            closeAll(sync[0], sync[1], start[0], start[1]);
            throw new MonitorException("cannot start conmon: " + e.getMessage(), e);
        }
        // our copies of the child's ends must go, so that its death reads as end-of-file
        closeAll(sync[1], start[0]);
        String message;
        try {
            // conmon waits on the start pipe before it runs the runtime: release it
            C.write(start[1], new byte[] {0}, 1);
            closeAll(start[1]);
            if (!stayChild) {
                // the detached conmon forks and its first process exits at once: reap that one
                C.waitpid(pid, new IntByReference(), 0);
            }
            message = readSyncMessage(sync[0], deadlineOf(request));
        } catch (LaunchDeadlineExceeded e) {
            abandon(request, stayChild ? pid : -1, conmonPidFile);
            throw new MonitorException("the runtime did not " + (request.restoreImage().isPresent() ? "restore "
                    : "create ") + (request.name() == null ? request.containerId() : request.name()) + " within "
                    + Deadlines.format(e.deadline) + " (" + (request.restoreImage().isPresent()
                    ? "hydra.checkpoint.timeout" : "hydra.runtime.timeout")
                    + "); its monitor and the runtime's half-made container were removed");
        } finally {
            closeAll(sync[0]);
        }
        Matcher data = SYNC_DATA.matcher(message);
        int containerPid = data.find() ? Integer.parseInt(data.group(1)) : -1;
        if (containerPid <= 0) {
            if (stayChild) {
                C.waitpid(pid, new IntByReference(), 0);
            }
            Matcher m = SYNC_MESSAGE.matcher(message);
            String runtimeError = m.find() ? unescape(m.group(1)) : message.isBlank() ? "conmon exited without a report" : message;
            throw new MonitorException(runtimeError.strip());
        }
        ProcessIdentity container = ProcessIdentity.of(containerPid).orElseThrow(() ->
                new MonitorException("container " + request.name() + " exited before it could be started"));
        int monitorPid = stayChild ? pid : readPidFile(conmonPidFile);
        ProcessIdentity monitor = ProcessIdentity.of(monitorPid).orElseThrow(() ->
                new MonitorException("conmon for " + request.name() + " died right after creating the container"));
        return new Launched(monitor, container, stayChild, attributes(request));
    }

    static Map<String, String> attributes(LaunchRequest request) {
        return Map.of(
                ATTACH_SOCKET, request.bundle().resolve("attach").toString(),
                CONTROL_FIFO, request.bundle().resolve("ctl").toString(),
                PERSIST_DIR, ExitFiles.persistDir(request.containerDir()).toString());
    }

    /** The conmon that a launch left running, from its pid file, when it still runs. */
    static Optional<ProcessIdentity> monitorOf(LaunchRequest request) {
        try {
            int pid = Integer.parseInt(Files.readString(request.containerDir().resolve("conmon.pid")).trim());
            return ProcessIdentity.of(pid);
        } catch (IOException | NumberFormatException e) {
            return Optional.empty();
        }
    }

    private List<String> arguments(LaunchRequest r, Path exitDir, Path persistDir, Path conmonPidFile,
                                   boolean stayChild) {
        List<String> a = new ArrayList<>();
        a.add(conmon.toString());
        a.addAll(List.of("--api-version",
                "-c", r.containerId(), "-u", r.containerId(), "-n", r.name() == null ? r.containerId() : r.name(),
                "-r", r.runtime().binary().toString(),
                "--runtime-arg", "--root=" + r.runtime().stateRoot(),
                "-b", r.bundle().toString(),
                "-p", r.containerDir().resolve("pidfile").toString(),
                "--exit-dir", exitDir.toString(),
                "--persist-dir", persistDir.toString(),
                "-l", "k8s-file:" + r.logFile(),
                "--log-level", logLevel,
                "--socket-dir-path", r.socketDir().toString(),
                // the attach socket goes in the bundle, reached through /proc/self/fd: no 108-byte path limit
                "--full-attach",
                "--conmon-pidfile", conmonPidFile.toString()));
        if (r.logMaxBytes() > 0) {
            a.addAll(List.of("--log-size-max", Long.toString(r.logMaxBytes())));
        }
        if (r.stdin()) {
            a.add("-i");
        }
        if (r.terminal()) {
            // conmon makes the console socket, hands it to runc and keeps the pty master: attach and the log
            // carry the terminal's bytes. A terminal's end of input is a ctrl-d typed into it, not a client going
            // away: an attach that detaches (ctrl-p ctrl-q) must leave the terminal's input open for the next
            a.add("-t");
            a.add("--leave-stdin-open");
        }
        if (stayChild) {
            a.add("--sync");
        }
        r.restoreImage().ifPresent(image -> a.addAll(List.of("--restore", image.toString())));
        for (String option : r.restoreOptions()) {
            a.add("--runtime-opt");
            a.add(option);
        }
        return a;
    }

    /** A restore runs CRIU and gets the checkpoint deadline; a create gets the runtime's. */
    private Duration deadlineOf(LaunchRequest request) {
        return request.restoreImage().isPresent() ? deadlines.checkpoint() : deadlines.runtime();
    }

    /** The sync pipe stayed silent past the launch's deadline. */
    private static final class LaunchDeadlineExceeded extends Exception {
        final Duration deadline;

        LaunchDeadlineExceeded(Duration deadline) {
            super(null, null, false, false);
            this.deadline = deadline;
        }
    }

    /**
     * After a missed deadline: kills conmon and whatever it runs (the runtime, CRIU), then has the runtime forget
     * the container, so nothing of the launch is left running or registered.
     */
    private void abandon(LaunchRequest request, int childPid, Path conmonPidFile) {
        Optional<ProcessHandle> monitor = childPid > 0 ? ProcessHandle.of(childPid) : pidFileProcess(conmonPidFile)
                .or(() -> conmonOf(request.containerId()));
        monitor.ifPresent(m -> {
            // the tree first: once conmon is gone its children are init's and no longer ours to find
            List<ProcessHandle> tree = new ArrayList<>(m.descendants().toList());
            tree.add(0, m);
            tree.forEach(ProcessHandle::destroyForcibly);
            for (ProcessHandle p : tree) {
                try {
                    p.onExit().get(5, TimeUnit.SECONDS);
                } catch (Exception e) {
                    // a process that will not die within seconds of SIGKILL is in the kernel's hands
                }
            }
        });
        if (childPid > 0) {
            C.waitpid(childPid, new IntByReference(), 0);
        }
        try {
            processes.run(deadlines.runtime(), request.runtime().binary().toString(),
                    "--root=" + request.runtime().stateRoot(), "delete", "--force", request.containerId());
        } catch (ProcessException e) {
            // no state to delete (the runtime never got that far) is the usual case
        }
    }

    private static Optional<ProcessHandle> pidFileProcess(Path file) {
        try {
            return ProcessHandle.of(Long.parseLong(Files.readString(file).trim()));
        } catch (IOException | NumberFormatException e) {
            return Optional.empty();
        }
    }

    /** A detached conmon that has not written its pid file yet: found by the container id on its command line. */
    private Optional<ProcessHandle> conmonOf(String containerId) {
        return ProcessHandle.allProcesses()
                .filter(p -> p.info().command().map(c -> c.equals(conmon.toString())).orElse(false))
                .filter(p -> p.info().arguments().map(a -> List.of(a).contains(containerId)).orElse(false))
                .findFirst();
    }

    private String readSyncMessage(int fd, Duration timeout) throws LaunchDeadlineExceeded {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        byte[] buffer = new byte[4096];
        long deadline = System.nanoTime() + timeout.toNanos();
        Pointer pollFd = Memory.allocateDirect(LibC.RUNTIME, 8, true);
        while (true) {
            long left = TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime());
            if (left <= 0) {
                throw new LaunchDeadlineExceeded(timeout);
            }
            pollFd.putInt(0, fd);
            pollFd.putShort(4, (short) LibC.POLLIN);
            pollFd.putShort(6, (short) 0);
            int ready = C.poll(pollFd, 1, (int) Math.min(left, Integer.MAX_VALUE));
            if (ready <= 0) {
                continue;
            }
            long n = C.read(fd, buffer, buffer.length);
            if (n < 0 && LibC.errno() == LibC.EINTR) {
                continue;
            }
            if (n <= 0) {
                // end of file without a report: conmon died, or the runtime failed without a word
                return out.toString(StandardCharsets.UTF_8);
            }
            out.write(buffer, 0, (int) n);
            String text = out.toString(StandardCharsets.UTF_8);
            if (text.indexOf('}') >= 0) {
                return text;
            }
        }
    }

    private static int readPidFile(Path file) {
        try {
            return Integer.parseInt(Files.readString(file).trim());
        } catch (IOException | NumberFormatException e) {
            throw new MonitorException("cannot read conmon's pid file " + file + ": " + e.getMessage(), e);
        }
    }

    private static int[] pipe() {
        int[] fds = new int[2];
        if (C.pipe2(fds, LibC.O_CLOEXEC) != 0) {
            throw new MonitorException("pipe2 failed: errno " + LibC.errno());
        }
        return fds;
    }

    private static void closeAll(int... fds) {
        for (int fd : fds) {
            C.close(fd);
        }
    }

    private static String unescape(String s) {
        return s.replace("\\n", "\n").replace("\\t", "\t").replace("\\\"", "\"").replace("\\\\", "\\");
    }
}
