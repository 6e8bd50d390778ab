package io.hydra.cli;

import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;

import io.grpc.Metadata;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.hydra.api.v1.AttachInput;
import io.hydra.api.v1.CheckpointProgress;
import io.hydra.api.v1.CheckpointRequest;
import io.hydra.api.v1.CheckpointSummary;
import io.hydra.api.v1.CheckpointVersion;
import io.hydra.api.v1.Policy;
import io.hydra.api.v1.PolicyRequest;
import io.hydra.api.v1.RemoveCheckpointRequest;
import io.hydra.api.v1.RestoreRequest;
import io.hydra.api.v1.Container;
import io.hydra.api.v1.CreateRequest;
import io.hydra.api.v1.Empty;
import io.hydra.api.v1.Event;
import io.hydra.api.v1.EventsRequest;
import io.hydra.api.v1.ExecOutput;
import io.hydra.api.v1.ExecRequest;
import io.hydra.api.v1.InfoResponse;
import io.hydra.api.v1.KillRequest;
import io.hydra.api.v1.ListRequest;
import io.hydra.api.v1.LogChunk;
import io.hydra.api.v1.LogsRequest;
import io.hydra.api.v1.Ref;
import io.hydra.api.v1.RemoveRequest;
import io.hydra.api.v1.StatsResponse;
import io.hydra.api.v1.StopRequest;
import io.hydra.api.v1.TopResponse;
import io.hydra.api.v1.VersionResponse;
import io.hydra.api.v1.WaitResponse;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;

/**
 * The {@code hydra} command line: a gRPC client of the daemon. Exit status 0 ok, 1 failed, 2 usage, 126 the
 * container's command cannot be executed, 127 it is not found in the container.
 */
@Command(name = "hydra", mixinStandardHelpOptions = true, version = "hydra 0.1.0",
        description = "Containers that outlive their daemon.",
        subcommands = {Hydra.Run.class, Hydra.Create.class, Hydra.Start.class, Hydra.Stop.class, Hydra.Kill.class,
                Hydra.Pause.class, Hydra.Resume.class, Hydra.Restart.class, Hydra.Rm.class, Hydra.Ps.class,
                Hydra.Inspect.class, Hydra.Logs.class, Hydra.Wait.class, Hydra.Attach.class, Hydra.Exec.class, Hydra.Top.class,
                Hydra.Stats.class, Hydra.Checkpoint.class, Hydra.Checkpoints.class, Hydra.Restore.class,
                Hydra.RmCheckpoint.class, Hydra.PolicyCommand.class, Hydra.Events.class, Hydra.Info.class, Hydra.Version.class})
public final class Hydra {
    static final int FAILED = 1;
    /**
     * The trailer in which the daemon names the exit code for a refusal that has a conventional one: 127 for a
     * command not found in the container, 126 for one that cannot be executed (runtime-core's GrpcErrors sets it).
     */
    static final Metadata.Key<String> EXIT_CODE_TRAILER = Metadata.Key.of("hydra-exit-code",
            Metadata.ASCII_STRING_MARSHALLER);

    @Option(names = "--host", description = "unix:///PATH or tcp://HOST:PORT (env HYDRA_HOST)")
    String host;

    @Option(names = "--tls-cert", description = "client certificate for tcp://")
    File tlsCert;

    @Option(names = "--tls-key", description = "client key (PKCS#8 PEM) for tcp://")
    File tlsKey;

    @Option(names = "--tls-ca", description = "CA of the daemon's certificate for tcp://")
    File tlsCa;

    Map<String, String> env = System.getenv();
    InputStream in = System.in;

    public static void main(String[] args) {
        System.exit(execute(args, new PrintWriter(System.out, true, StandardCharsets.UTF_8),
                new PrintWriter(System.err, true, StandardCharsets.UTF_8), System.getenv()));
    }

    /** Runs one command; the tests call this in-process. */
    public static int execute(String[] args, PrintWriter out, PrintWriter err, Map<String, String> env) {
        return execute(args, out, err, env, System.in);
    }

    public static int execute(String[] args, PrintWriter out, PrintWriter err, Map<String, String> env, InputStream in) {
        Hydra hydra = new Hydra();
        hydra.env = env;
        hydra.in = in;
        CommandLine cl = new CommandLine(hydra);
        cl.setOut(out);
        cl.setErr(err);
        cl.setExecutionExceptionHandler((e, commandLine, parseResult) -> {
            commandLine.getErr().println("hydra: " + message(e, hydra.resolvedHost()));
            commandLine.getErr().flush();
            return exitCodeOf(e);
        });
        int status = cl.execute(args);
        out.flush();
        err.flush();
        return status;
    }

    String resolvedHost() {
        if (host != null) {
            return host;
        }
        String fromEnv = env.get("HYDRA_HOST");
        return fromEnv != null && !fromEnv.isEmpty() ? fromEnv : "unix:///run/hydra/hydra.sock";
    }

    DaemonConnection connect() {
        return new DaemonConnection(resolvedHost(), tlsCert, tlsKey, tlsCa);
    }

    /** 126 or 127 when the daemon said the command cannot run, else {@link #FAILED}. */
    static int exitCodeOf(Exception e) {
        Metadata trailers = Status.trailersFromThrowable(e);
        String code = trailers == null ? null : trailers.get(EXIT_CODE_TRAILER);
        if ("126".equals(code) || "127".equals(code)) {
            return Integer.parseInt(code);
        }
        return FAILED;
    }

    private static String message(Exception e, String host) {
        if (e instanceof StatusRuntimeException s) {
            if (s.getStatus().getCode() == Status.Code.UNAVAILABLE) {
                return "cannot reach the hydra daemon at " + host + " (is it running?): "
                        + s.getStatus().getDescription();
            }
            String d = s.getStatus().getDescription();
            return d != null ? d : s.getStatus().getCode().toString();
        }
        return e.getMessage() != null ? e.getMessage() : e.toString();
    }

    /** A subcommand that talks to the daemon. */
    abstract static class DaemonCommand implements Callable<Integer> {
        @ParentCommand
        Hydra hydra;

        @CommandLine.Spec
        CommandLine.Model.CommandSpec spec;

        PrintWriter out() {
            return spec.commandLine().getOut();
        }

        PrintWriter err() {
            return spec.commandLine().getErr();
        }

        @Override
        public Integer call() throws Exception {
            try (DaemonConnection c = hydra.connect()) {
                return call(c);
            }
        }

        abstract int call(DaemonConnection c) throws Exception;

        /**
         * Attaches to the container's stdio, runs {@code onAttached} once attached (to start it), copies our stdin to
         * it when asked, and returns when the container's output ends.
         */
        void attach(DaemonConnection c, String container, boolean sendStdin, Runnable onAttached) throws Exception {
            java.util.concurrent.CountDownLatch attached = new java.util.concurrent.CountDownLatch(1);
            java.util.concurrent.CountDownLatch done = new java.util.concurrent.CountDownLatch(1);
            Throwable[] failure = new Throwable[1];
            io.grpc.stub.StreamObserver<AttachInput> requests = c.containersAsync().attach(
                    new io.grpc.stub.StreamObserver<LogChunk>() {
                        @Override
                        public void onNext(LogChunk chunk) {
                            attached.countDown();
                            if (!chunk.getData().isEmpty()) {
                                write(chunk);
                            }
                        }

                        @Override
                        public void onError(Throwable t) {
                            failure[0] = t;
                            attached.countDown();
                            done.countDown();
                        }

                        @Override
                        public void onCompleted() {
                            attached.countDown();
                            done.countDown();
                        }
                    });
            requests.onNext(AttachInput.newBuilder().setName(container).build());
            attached.await();
            if (failure[0] instanceof Exception e) {
                throw e;
            }
            if (onAttached != null) {
                onAttached.run();
            }
            if (sendStdin) {
                Thread pump = new Thread(() -> {
                    byte[] buffer = new byte[8192];
                    try {
                        for (int n; (n = hydra.in.read(buffer)) > 0; ) {
                            requests.onNext(AttachInput.newBuilder()
                                    .setStdin(com.google.protobuf.ByteString.copyFrom(buffer, 0, n)).build());
                        }
                        requests.onNext(AttachInput.newBuilder().setCloseStdin(true).build());
                    } catch (IOException | RuntimeException e) {
                        // the session ended while we were reading
                    }
                }, "stdin");
                pump.setDaemon(true);
                pump.start();
            }
            done.await();
            if (failure[0] instanceof Exception e) {
                throw e;
            }
        }

        /**
         * The container's exit code; a container checkpointed (stopping) instead has none: say so and fail rather
         * than pretend one.
         */
        int exitStatus(String container, WaitResponse r) {
            if (isCheckpointed(r)) {
                err().println("hydra: container " + container + " was checkpointed, not exited: it has no exit code"
                        + " (hydra restore " + container + " brings it back)");
                err().flush();
                return FAILED;
            }
            return r.getExitCode();
        }

        static boolean isCheckpointed(WaitResponse r) {
            return "checkpointed".equals(r.getStatus());
        }

        /** Copies a log or output stream to our stdout and stderr. */
        void write(LogChunk chunk) {
            PrintWriter w = chunk.getStream() == LogChunk.Stream.STDERR ? err() : out();
            w.print(chunk.getData().toString(StandardCharsets.UTF_8));
            w.flush();
        }
    }

    abstract static class CreateOptions extends DaemonCommand {
        @Option(names = "--name", required = true, description = "the container's name")
        String name;

        @Option(names = "--bundle", description = "an OCI bundle directory (config.json and rootfs)")
        String bundle;

        @Option(names = "--rootfs", description = "a root filesystem; the command follows --")
        String rootfs;

        @Option(names = "--monitor", description = "monitor strategy: eager or lazy (default: the daemon's)")
        String monitor;

        @Option(names = {"-e", "--env"}, description = "KEY=VALUE for the process (with --bundle: added to config.json's)")
        List<String> envVars = new ArrayList<>();

        @Option(names = {"-i", "--interactive"}, description = "keep stdin open")
        boolean interactive;

        @Option(names = "--net", description = "with --rootfs: 'none' (own network namespace, default) or 'host';"
                + " a --bundle's config.json says it itself")
        String net = "none";

        @Option(names = {"-m", "--memory"}, description = "memory limit, e.g. 64m, 1g (with --bundle: replaces config.json's)")
        String memory;

        @Parameters(description = "command and arguments (with --rootfs)")
        List<String> command = new ArrayList<>();

        CreateRequest request(boolean start) {
            if (!net.equals("none") && !net.equals("host")) {
                throw new CommandLine.ParameterException(spec.commandLine(), "--net must be none or host");
            }
            return CreateRequest.newBuilder().setName(name).setBundle(bundle == null ? "" : bundle)
                    .setRootfs(rootfs == null ? "" : rootfs).addAllArgs(command).addAllEnv(envVars)
                    .setMonitor(monitor == null ? "" : monitor).setInteractive(interactive)
                    .setHostNetwork(net.equals("host")).setMemoryBytes(bytes(memory)).setStart(start).build();
        }

        private long bytes(String size) {
            if (size == null) {
                return 0;
            }
            java.util.regex.Matcher m = java.util.regex.Pattern.compile("(\\d+)([kmg]?)b?").matcher(size.toLowerCase());
            if (!m.matches()) {
                throw new CommandLine.ParameterException(spec.commandLine(), "--memory must be a size like 512m or 1g, got '"
                        + size + "'");
            }
            int shift = switch (m.group(2)) {
                case "k" -> 10;
                case "m" -> 20;
                case "g" -> 30;
                default -> 0;
            };
            return Long.parseLong(m.group(1)) << shift;
        }
    }

    @Command(name = "run", description = "Create and start a container; attached, exit with its code (127: the"
            + " command is not found in the rootfs, 126: it cannot be executed).")
    static final class Run extends CreateOptions {
        @Option(names = {"-d", "--detach"}, description = "print the id and return")
        boolean detach;

        @Override
        int call(DaemonConnection c) throws Exception {
            if (interactive && !detach) {
                // attach before start, so no output is missed and stdin reaches the first read
                Container created = c.containers().create(request(false));
                Ref ref = Ref.newBuilder().setName(created.getId()).build();
                attach(c, created.getId(), true, () -> c.containers().start(ref));
                return exitStatus(created.getName(), c.containers().wait(ref));
            }
            Container created = c.containers().create(request(true));
            if (detach) {
                out().println(created.getId());
                return 0;
            }
            Iterator<LogChunk> logs = c.containers().logs(LogsRequest.newBuilder().setName(created.getId())
                    .setFollow(true).build());
            logs.forEachRemaining(this::write);
            return exitStatus(created.getName(), c.containers().wait(Ref.newBuilder().setName(created.getId()).build()));
        }
    }

    @Command(name = "create", description = "Create a container without starting it (127: its command is not"
            + " found in the rootfs, 126: it cannot be executed).")
    static final class Create extends CreateOptions {
        @Override
        int call(DaemonConnection c) {
            out().println(c.containers().create(request(false)).getId());
            return 0;
        }
    }

    abstract static class NamedCommand extends DaemonCommand {
        @Parameters(index = "0", paramLabel = "NAME", description = "container name or id")
        String name;

        Ref ref() {
            return Ref.newBuilder().setName(name).build();
        }
    }

    @Command(name = "start", description = "Start a created container.")
    static final class Start extends NamedCommand {
        @Override
        int call(DaemonConnection c) {
            out().println(c.containers().start(ref()).getName());
            return 0;
        }
    }

    @Command(name = "stop", description = "SIGTERM, then SIGKILL after the timeout.")
    static final class Stop extends NamedCommand {
        @Option(names = {"-t", "--time"}, description = "seconds before SIGKILL (default 10)")
        int seconds = -1;

        @Override
        int call(DaemonConnection c) {
            out().println(c.containers().stop(StopRequest.newBuilder().setName(name).setTimeoutSeconds(seconds).build())
                    .getName());
            return 0;
        }
    }

    @Command(name = "kill", description = "Send a signal to the container's init process.")
    static final class Kill extends NamedCommand {
        @Option(names = {"-s", "--signal"}, description = "signal name or number (default KILL)")
        String signal = "KILL";

        @Override
        int call(DaemonConnection c) {
            out().println(c.containers().kill(KillRequest.newBuilder().setName(name).setSignal(signal).build())
                    .getName());
            return 0;
        }
    }

    @Command(name = "pause", description = "Freeze every process of the container.")
    static final class Pause extends NamedCommand {
        @Override
        int call(DaemonConnection c) {
            out().println(c.containers().pause(ref()).getName());
            return 0;
        }
    }

    @Command(name = "resume", description = "Thaw a paused container.")
    static final class Resume extends NamedCommand {
        @Override
        int call(DaemonConnection c) {
            out().println(c.containers().resume(ref()).getName());
            return 0;
        }
    }

    @Command(name = "restart", description = "Stop the container and start it again under a new monitor.")
    static final class Restart extends NamedCommand {
        @Option(names = {"-t", "--time"}, description = "seconds before SIGKILL (default 10)")
        int seconds = -1;

        @Override
        int call(DaemonConnection c) {
            out().println(c.containers().restart(StopRequest.newBuilder().setName(name).setTimeoutSeconds(seconds)
                    .build()).getName());
            return 0;
        }
    }

    @Command(name = "rm", description = "Remove a container.")
    static final class Rm extends NamedCommand {
        @Option(names = {"-f", "--force"}, description = "kill it first if it runs")
        boolean force;

        @Override
        int call(DaemonConnection c) {
            c.containers().remove(RemoveRequest.newBuilder().setName(name).setForce(force).build());
            out().println(name);
            return 0;
        }
    }

    @Command(name = "ps", description = "List containers.")
    static final class Ps extends DaemonCommand {
        @Option(names = {"-a", "--all"}, description = "include created and exited containers")
        boolean all;

        @Option(names = "--format", description = "table or json")
        String format = "table";

        @Override
        int call(DaemonConnection c) {
            List<Container> list = c.containers().list(ListRequest.newBuilder().setAll(all).build()).getContainersList();
            if (format.equals("json")) {
                out().println(Json.write(list.stream().map(x -> Json.container(x, false)).toList()));
                return 0;
            }
            if (!format.equals("table")) {
                throw new CommandLine.ParameterException(spec.commandLine(), "--format must be table or json");
            }
            out().printf("%-12s  %-20s  %-10s  %-8s  %-7s  %-5s  %s%n", "ID", "NAME", "STATUS", "PID", "MONITOR",
                    "EXIT", "CREATED");
            for (Container x : list) {
                out().printf("%-12s  %-20s  %-10s  %-8s  %-7s  %-5s  %s%n", x.getId().substring(0, 12), x.getName(),
                        x.getStatus(), x.getPid() > 0 ? x.getPid() : "-", x.getMonitor(),
                        x.getHasExitCode() ? x.getExitCode() : "-", x.getCreatedAt());
            }
            return 0;
        }
    }

    @Command(name = "inspect", description = "Everything known about a container, as JSON.")
    static final class Inspect extends NamedCommand {
        @Override
        int call(DaemonConnection c) {
            out().println(Json.write(Json.container(c.containers().inspect(ref()), true)));
            return 0;
        }
    }

    @Command(name = "logs", description = "The container's output.")
    static final class Logs extends NamedCommand {
        @Option(names = {"-f", "--follow"}, description = "keep following until the container exits")
        boolean follow;

        @Override
        int call(DaemonConnection c) {
            c.containers().logs(LogsRequest.newBuilder().setName(name).setFollow(follow).build())
                    .forEachRemaining(this::write);
            return 0;
        }
    }

    @Command(name = "wait", description = "Wait for the container to exit; exit with its code.")
    static final class Wait extends NamedCommand {
        @Override
        int call(DaemonConnection c) {
            WaitResponse r = c.containers().wait(ref());
            if (isCheckpointed(r)) {
                return exitStatus(name, r);
            }
            out().println(r.getExitCode());
            return r.getExitCode();
        }
    }

    @Command(name = "attach", description = "Connect to a running container's output (and stdin, if it was"
            + " created with -i); exit with its code when it exits.")
    static final class Attach extends NamedCommand {
        @Option(names = "--no-stdin", description = "do not send our stdin")
        boolean noStdin;

        @Override
        int call(DaemonConnection c) throws Exception {
            attach(c, name, !noStdin, null);
            return exitStatus(name, c.containers().wait(ref()));
        }
    }

    @Command(name = "exec", description = "Run a command in a running container; exit with its code (127: the"
            + " command is not found in the container, 126: it cannot be executed).")
    static final class Exec extends NamedCommand {
        @Parameters(index = "1..*", paramLabel = "CMD", description = "command and arguments, after --")
        List<String> command = new ArrayList<>();

        @Option(names = {"-e", "--env"}, description = "KEY=VALUE")
        List<String> envVars = new ArrayList<>();

        @Override
        int call(DaemonConnection c) {
            if (command.isEmpty()) {
                throw new CommandLine.ParameterException(spec.commandLine(), "exec needs a command: hydra exec NAME -- CMD");
            }
            Iterator<ExecOutput> outputs = c.containers().exec(ExecRequest.newBuilder().setName(name)
                    .addAllArgs(command).addAllEnv(envVars).build());
            int code = FAILED;
            while (outputs.hasNext()) {
                ExecOutput o = outputs.next();
                if (o.hasOutput()) {
                    write(o.getOutput());
                } else {
                    code = o.getExitCode();
                }
            }
            return code;
        }
    }

    @Command(name = "top", description = "The container's processes.")
    static final class Top extends NamedCommand {
        @Override
        int call(DaemonConnection c) {
            TopResponse top = c.containers().top(ref());
            out().printf("%-8s  %-8s  %-5s  %-10s  %s%n", "PID", "PPID", "STATE", "RSS", "COMMAND");
            top.getProcessesList().forEach(p -> out().printf("%-8d  %-8d  %-5s  %-10s  %s%n", p.getPid(), p.getPpid(),
                    p.getState(), p.getRssBytes() / 1024 + "K", p.getCommand()));
            return 0;
        }
    }

    @Command(name = "stats", description = "Memory, CPU and process figures of the container's cgroup.")
    static final class Stats extends NamedCommand {
        @Option(names = "--format", description = "table or json")
        String format = "table";

        @Override
        int call(DaemonConnection c) {
            StatsResponse s = c.containers().stats(ref());
            Map<String, Object> m = new java.util.LinkedHashMap<>();
            m.put("memoryUsageBytes", s.getMemoryUsageBytes());
            m.put("memoryLimitBytes", s.getMemoryLimitBytes());
            m.put("memoryMaxUsageBytes", s.getMemoryMaxUsageBytes());
            m.put("cpuUsageNanos", s.getCpuUsageNanos());
            m.put("pids", s.getPids());
            if (format.equals("json")) {
                out().println(Json.write(m));
            } else {
                m.forEach((k, v) -> out().printf("%-20s %s%n", k, v));
            }
            return 0;
        }
    }

    /** Renders progress on a terminal, and the summary line everywhere. */
    abstract static class TransferCommand extends NamedCommand {
        @Option(names = "--format", description = "text or json (the summary)")
        String format = "text";

        int follow(Iterator<CheckpointProgress> progress, String verb) {
            boolean terminal = System.console() != null && format.equals("text");
            CheckpointProgress last = null;
            while (progress.hasNext()) {
                last = progress.next();
                if (terminal && !last.hasSummary() && last.getTotal() > 0) {
                    err().printf("\r%-10s %5.1f%%  %s / %s", last.getPhase(), 100.0 * last.getDone() / last.getTotal(),
                            size(last.getDone()), size(last.getTotal()));
                    err().flush();
                }
            }
            if (terminal) {
                err().print("\r\033[K");
            }
            if (last == null || !last.hasSummary()) {
                throw new IllegalStateException("the daemon ended the " + verb + " without a summary");
            }
            CheckpointSummary s = last.getSummary();
            if (format.equals("json")) {
                Map<String, Object> m = new java.util.LinkedHashMap<>();
                m.put("container", last.getContainer().getName());
                m.put("status", last.getContainer().getStatus());
                m.put("version", s.getVersion());
                m.put("logicalBytes", s.getLogicalBytes());
                m.put("storedBytes", s.getStoredBytes());
                m.put("movedBytes", s.getMovedBytes());
                m.put("frozenMs", s.getFrozenMs());
                m.put("durationMs", s.getDurationMs());
                out().println(Json.write(m));
            } else {
                out().printf("%s %s version %d: %s logical, %s new, %s moved, frozen %d ms, %d ms in all%n",
                        verb, last.getContainer().getName(), s.getVersion(), size(s.getLogicalBytes()),
                        size(s.getStoredBytes()), size(s.getMovedBytes()), s.getFrozenMs(), s.getDurationMs());
            }
            return 0;
        }

        static String size(long bytes) {
            if (bytes < 1024) {
                return bytes + " B";
            }
            String[] units = {"KiB", "MiB", "GiB", "TiB"};
            double v = bytes;
            int i = -1;
            while (v >= 1024 && i < units.length - 1) {
                v /= 1024;
                i++;
            }
            return String.format("%.1f %s", v, units[i]);
        }
    }

    @Command(name = "checkpoint", description = "Checkpoint a running container into the repository.")
    static final class Checkpoint extends TransferCommand {
        @Option(names = "--leave-running", description = "keep it running (default: it stops, status checkpointed)")
        boolean leaveRunning;

        @Option(names = "--tcp-established", description = "dump established TCP connections")
        boolean tcpEstablished;

        @Option(names = "--file-locks", description = "dump file locks")
        boolean fileLocks;

        @Override
        int call(DaemonConnection c) {
            return follow(c.checkpoints().checkpoint(CheckpointRequest.newBuilder().setName(name)
                    .setLeaveRunning(leaveRunning).setTcpEstablished(tcpEstablished).setFileLocks(fileLocks).build()),
                    "checkpointed");
        }
    }

    @Command(name = "restore", description = "Restore a container from a checkpoint version (default: the newest).")
    static final class Restore extends TransferCommand {
        @Option(names = "--version", description = "the version to restore")
        long version;

        @Option(names = "--as", description = "restore as a new container with this name")
        String as = "";

        @Override
        int call(DaemonConnection c) {
            if (version < 0) {
                throw new CommandLine.ParameterException(spec.commandLine(), "--version must be positive");
            }
            return follow(c.checkpoints().restore(RestoreRequest.newBuilder().setName(name).setVersion(version)
                    .setAs(as).build()), "restored");
        }
    }

    @Command(name = "checkpoints", description = "A container's checkpoint versions.")
    static final class Checkpoints extends NamedCommand {
        @Option(names = "--format", description = "table or json")
        String format = "table";

        @Override
        int call(DaemonConnection c) {
            List<CheckpointVersion> versions = c.checkpoints().list(ref()).getVersionsList();
            if (format.equals("json")) {
                out().println(Json.write(versions.stream().map(v -> {
                    Map<String, Object> m = new java.util.LinkedHashMap<>();
                    m.put("version", v.getVersion());
                    m.put("createdAt", v.getCreatedAt());
                    m.put("bytes", v.getBytes());
                    m.put("storedBytes", v.getStoredBytes());
                    m.put("frozenMs", v.getFrozenMs());
                    m.put("complete", v.getComplete());
                    m.put("node", v.getNode());
                    m.put("containerId", v.getContainerId());
                    return m;
                }).toList()));
                return 0;
            }
            out().printf("%-8s  %-30s  %-10s  %-10s  %-8s  %s%n", "VERSION", "CREATED", "BYTES", "NEW", "FROZEN",
                    "COMPLETE");
            for (CheckpointVersion v : versions) {
                out().printf("%-8d  %-30s  %-10s  %-10s  %-8s  %s%n", v.getVersion(), v.getCreatedAt(),
                        TransferCommand.size(v.getBytes()), TransferCommand.size(v.getStoredBytes()),
                        v.getFrozenMs() + " ms", v.getComplete());
            }
            return 0;
        }
    }

    @Command(name = "rm-checkpoint", description = "Remove one checkpoint version.")
    static final class RmCheckpoint extends NamedCommand {
        @Option(names = "--version", required = true, description = "the version to remove")
        long version;

        @Override
        int call(DaemonConnection c) {
            c.checkpoints().remove(RemoveCheckpointRequest.newBuilder().setName(name).setVersion(version).build());
            out().println(name + " version " + version + " removed");
            return 0;
        }
    }

    @Command(name = "policy", description = "Periodic leave-running checkpoints keeping the newest N versions.")
    static final class PolicyCommand extends NamedCommand {
        @Option(names = "--every", description = "interval, e.g. 30s, 5m, 1h")
        String every;

        @Option(names = "--keep", description = "versions to keep (default 5)")
        int keep = 5;

        @Option(names = "--remove", description = "remove the container's policy")
        boolean remove;

        @Override
        int call(DaemonConnection c) {
            if (!remove && every == null) {
                throw new CommandLine.ParameterException(spec.commandLine(), "policy needs --every (or --remove)");
            }
            Policy p = c.checkpoints().setPolicy(PolicyRequest.newBuilder().setName(name)
                    .setEvery(every == null ? "" : every).setKeep(keep).setRemove(remove).build());
            out().println(remove ? name + ": policy removed"
                    : name + ": every " + p.getEveryMs() / 1000.0 + " s, keep " + p.getKeep() + ", next at "
                    + p.getNextDue());
            return 0;
        }
    }

    @Command(name = "events", description = "Lifecycle events from the daemon's outbox.")
    static final class Events extends DaemonCommand {
        @Option(names = {"-f", "--follow"}, description = "keep streaming new events")
        boolean follow;

        @Option(names = "--type", description = "only this type (e.g. io.hydra.container.exited, container.exited)")
        List<String> types = new ArrayList<>();

        @Option(names = "--container", description = "only this container's events")
        String container = "";

        @Option(names = "--since", description = "only events after this sequence number")
        long since;

        @Option(names = "--format", description = "text or json (one object per line)")
        String format = "text";

        @Override
        int call(DaemonConnection c) {
            Iterator<Event> events = c.events().stream(EventsRequest.newBuilder().setFollow(follow).addAllTypes(types)
                    .setContainer(container).setAfterSequence(since).build());
            while (events.hasNext()) {
                Event e = events.next();
                if (format.equals("json")) {
                    Map<String, Object> m = new java.util.LinkedHashMap<>();
                    m.put("sequence", e.getSequence());
                    m.put("specversion", "1.0");
                    m.put("id", e.getId());
                    m.put("type", e.getType());
                    m.put("source", e.getSource());
                    m.put("subject", e.getSubject());
                    m.put("time", e.getTime());
                    try {
                        m.put("data", Json.MAPPER.readTree(e.getDataJson()));
                    } catch (Exception ex) {
                        m.put("data", e.getDataJson());
                    }
                    out().println(Json.write(m).replaceAll("\\s*\\n\\s*", " "));
                } else {
                    out().printf("%s %6d %-32s %s %s%n", e.getTime(), e.getSequence(), e.getType(),
                            e.getSubject().isEmpty() ? "-" : e.getSubject().substring(0, Math.min(12, e.getSubject().length())),
                            e.getDataJson());
                }
                out().flush();
            }
            return 0;
        }
    }

    @Command(name = "info", description = "The daemon: node, paths, plugins, container counts.")
    static final class Info extends DaemonCommand {
        @Override
        int call(DaemonConnection c) {
            InfoResponse i = c.system().info(Empty.getDefaultInstance());
            Map<String, Object> m = new java.util.LinkedHashMap<>();
            m.put("node", i.getNode());
            m.put("version", i.getVersion());
            m.put("root", i.getRoot());
            m.put("socket", i.getSocket());
            m.put("defaultMonitor", i.getDefaultMonitor());
            m.put("monitors", i.getMonitorsList());
            m.put("runtime", i.getRuntime());
            m.put("runtimeVersion", i.getRuntimeVersion());
            m.put("orphanPolicy", i.getOrphanPolicy());
            m.put("containers", i.getContainersByStatusMap());
            m.put("outboxBacklog", i.getOutboxBacklog());
            m.put("startedAt", i.getStartedAt());
            m.put("checkpoint", i.getCheckpointMap());
            m.put("events", i.getEventsMap());
            out().println(Json.write(m));
            return 0;
        }
    }

    @Command(name = "version", description = "Client and daemon versions.")
    static final class Version extends DaemonCommand {
        @Override
        int call(DaemonConnection c) {
            out().println("client: 0.1.0");
            VersionResponse v = c.system().version(Empty.getDefaultInstance());
            out().println("daemon: " + v.getVersion() + " (api " + v.getApi() + ")");
            return 0;
        }
    }
}
