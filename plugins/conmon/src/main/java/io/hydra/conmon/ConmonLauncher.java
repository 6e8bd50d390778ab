package io.hydra.conmon;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import io.hydra.spi.monitor.LaunchRequest;
import io.hydra.spi.monitor.MonitorException;
import io.hydra.spi.monitor.MonitorRecord;
import io.hydra.spi.monitor.ProcessIdentity;
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
    private final long createTimeoutMillis;

    public ConmonLauncher(Path conmon, String logLevel, long createTimeoutMillis) {
        if (!Files.isExecutable(conmon)) {
            throw new MonitorException("conmon not found or not executable at " + conmon
                    + " (install Debian's conmon or set hydra.monitor.conmon-path)");
        }
        this.conmon = conmon;
        this.logLevel = logLevel;
        this.createTimeoutMillis = createTimeoutMillis;
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
            message = readSyncMessage(sync[0], request.name());
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
    static java.util.Optional<ProcessIdentity> monitorOf(LaunchRequest request) {
        try {
            int pid = Integer.parseInt(Files.readString(request.containerDir().resolve("conmon.pid")).trim());
            return ProcessIdentity.of(pid);
        } catch (IOException | NumberFormatException e) {
            return java.util.Optional.empty();
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

    private String readSyncMessage(int fd, String name) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        byte[] buffer = new byte[4096];
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(createTimeoutMillis);
        Pointer pollFd = Memory.allocateDirect(LibC.RUNTIME, 8, true);
        while (true) {
            long left = TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime());
            if (left <= 0) {
                throw new MonitorException("the runtime did not create " + name + " within "
                        + createTimeoutMillis + " ms");
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
