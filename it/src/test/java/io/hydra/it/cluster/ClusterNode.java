package io.hydra.it.cluster;

import java.io.File;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import io.hydra.cli.Hydra;

/**
 * One node of a test cluster: a real daemon process (the packaged daemon jar) on its own root and socket, run in
 * its own network namespace when it has one (only its network: it shares the host's mounts), driven through the
 * real CLI in-process over its Unix socket (which a namespace does not cut). Its whole machine can be SIGKILLed at
 * once: the daemon, the lease keeper, the conmons and the containers.
 */
final class ClusterNode implements AutoCloseable {
    static final ObjectMapper JSON = new ObjectMapper();
    static final Path REPO = Path.of(System.getProperty("hydra.repo", "..")).toAbsolutePath().normalize();
    static final Path DAEMON_JAR = REPO.resolve("runtime-core/target/quarkus-app/quarkus-run.jar");
    static final int PEER_PORT = 7443;

    record Result(int code, String out, String err) {
        JsonNode json() {
            try {
                return JSON.readTree(out);
            } catch (IOException e) {
                throw new AssertionError("not JSON: " + out + err, e);
            }
        }
    }

    final String id;
    final Path dir;
    final Path root;
    final Path socket;
    final Path log;
    private final NetNamespace namespace;
    private final List<String> properties;
    private Process process;

    /**
     * @param namespace where the daemon runs, or null for the host's network
     * @param properties its {@code hydra.*} settings (without root, socket and http port, which the node picks)
     */
    ClusterNode(String id, Path dir, NetNamespace namespace, List<String> properties) throws IOException {
        this.id = id;
        this.dir = dir;
        this.root = dir.resolve("root");
        this.socket = dir.resolve("hydra.sock");
        this.log = dir.resolve("daemon.log");
        this.namespace = namespace;
        this.properties = List.copyOf(properties);
        Files.createDirectories(dir);
    }

    NetNamespace namespace() {
        return namespace;
    }

    /** The node-to-node endpoint it announces. */
    String address() {
        return namespace.address() + ":" + PEER_PORT;
    }

    /** Starts the daemon and waits until it answers on its socket. */
    ClusterNode start() throws Exception {
        return startWith();
    }

    /** Starts the daemon with {@code extra} settings for this run only (a crash point), as {@link #start()}. */
    ClusterNode startWith(String... extra) throws Exception {
        Files.deleteIfExists(socket);
        process = launch(List.of(extra)).redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()))
                .redirectErrorStream(true).start();
        Shell.await(Duration.ofSeconds(60), "daemon " + id + " up", () -> {
            if (!process.isAlive()) {
                throw new AssertionError("daemon " + id + " exited with " + process.exitValue() + ": " + readLog());
            }
            return Files.exists(socket) && hydra("version").code() == 0;
        });
        return this;
    }

    boolean running() {
        return process != null && process.isAlive();
    }

    long daemonPid() {
        return process.pid();
    }

    /**
     * Runs another daemon with these settings plus {@code extra} (later ones win), which must exit within
     * {@code deadline}: a start-up refusal. Returns its exit code and output; a daemon still running fails the test.
     */
    Result runDaemonExpectingExit(List<String> extra, Duration deadline) throws Exception {
        Process p = launch(extra).redirectErrorStream(true).start();
        if (!p.waitFor(deadline.toMillis(), TimeUnit.MILLISECONDS)) {
            p.destroyForcibly();
            p.waitFor();
            throw new AssertionError("the daemon did not exit within " + deadline.toSeconds() + " s (a hang): "
                    + new String(p.getInputStream().readAllBytes()));
        }
        return new Result(p.exitValue(), new String(p.getInputStream().readAllBytes()), "");
    }

    private ProcessBuilder launch(List<String> extra) {
        List<String> cmd = new ArrayList<>(List.of("java", "-Xmx256m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1",
                "-Dhydra.root=" + root, "-Dhydra.socket=" + socket, "-Dhydra.http-port=0",
                "-Dhydra.reconcile-interval=1s"));
        properties.forEach(p -> cmd.add("-D" + p));
        extra.forEach(p -> cmd.add("-D" + p));
        cmd.addAll(List.of("-jar", DAEMON_JAR.toString()));
        List<String> full = namespace == null ? cmd : namespace.enter(cmd);
        return new ProcessBuilder(full).redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")));
    }

    /** Waits until the daemon exits by itself (a crash point halted it) and returns its exit code. */
    int awaitDaemonExit(Duration deadline) throws Exception {
        if (!process.waitFor(deadline.toMillis(), TimeUnit.MILLISECONDS)) {
            throw new AssertionError("daemon " + id + " did not exit within " + deadline.toSeconds() + " s: "
                    + tail(readLog(), 4000));
        }
        return process.exitValue();
    }

    /** SIGKILLs the daemon alone: its keeper, conmons and containers live on, as after a daemon crash. */
    void killDaemon() throws InterruptedException {
        process.destroyForcibly();
        process.waitFor();
    }

    /**
     * The node loses power: every process in its network namespace (daemon, lease keeper, conmons, runc) and
     * every descendant of them (the containers, in namespaces of their own), stopped then SIGKILLed together.
     */
    Set<Long> killWholeNode() throws IOException, InterruptedException {
        Set<Long> pids = new TreeSet<>(NodeProcesses.withDescendants(namespace.pids()));
        NodeProcesses.killAtOnce(pids);
        // A machine that loses power loses its processes. Here a container frozen at the kill (a CRIU dump in
        // progress freezes it) would keep its processes, SIGKILL pending, and anything forked after the snapshot
        // above would live on: thaw each container's freezer and kill what is left in its cgroup.
        pids.addAll(killContainerCgroups());
        if (process != null) {
            process.waitFor(10, TimeUnit.SECONDS);
        }
        return pids;
    }

    private Set<Long> killContainerCgroups() throws IOException, InterruptedException {
        Set<Long> killed = new TreeSet<>();
        Path runc = root.resolve("runc");
        if (!Files.isDirectory(runc)) {
            return killed;
        }
        try (var ids = Files.list(runc)) {
            for (Path state : ids.map(d -> d.resolve("state.json")).filter(Files::isRegularFile).toList()) {
                JsonNode paths = JSON.readTree(state.toFile()).path("cgroup_paths");
                Path freezer = paths.has("freezer") ? Path.of(paths.get("freezer").asText()) : null;
                Path procs = freezer != null ? freezer.resolve("cgroup.procs")
                        : paths.has("pids") ? Path.of(paths.get("pids").asText(), "cgroup.procs") : null;
                if (procs == null || !Files.exists(procs)) {
                    continue;
                }
                Set<Long> left = new TreeSet<>();
                for (String line : Files.readAllLines(procs)) {
                    if (!line.isBlank()) {
                        left.add(Long.parseLong(line.trim()));
                    }
                }
                NodeProcesses.killAtOnce(left);
                if (freezer != null && Files.exists(freezer.resolve("freezer.state"))) {
                    Files.writeString(freezer.resolve("freezer.state"), "THAWED");
                }
                killed.addAll(left);
            }
        }
        return killed;
    }

    /** The detached {@code etcdctl lease keep-alive} processes that keep this node's lease. */
    Set<Long> keeperPids() throws IOException, InterruptedException {
        Set<Long> keepers = new TreeSet<>();
        Set<Long> candidates = namespace != null ? NodeProcesses.withDescendants(namespace.pids())
                : NodeProcesses.withDescendants(Set.of(process.pid()));
        for (long pid : candidates) {
            String cmd = NodeProcesses.commandLine(pid);
            if (cmd.contains("lease keep-alive") || cmd.contains("lease keep-alive".replace(' ', '\u0000'))) {
                keepers.add(pid);
            }
        }
        return keepers;
    }

    Result hydra(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int code = Hydra.execute(args, new PrintWriter(out), new PrintWriter(err), Map.of("HYDRA_HOST",
                "unix://" + socket));
        return new Result(code, out.toString(), err.toString());
    }

    /** A hydra command that must succeed. */
    Result ok(String... args) {
        Result r = hydra(args);
        if (r.code() != 0) {
            throw new AssertionError("hydra " + String.join(" ", args) + " on " + id + " exited " + r.code() + ": "
                    + r.out() + r.err() + "\n--- daemon log of " + id + ":\n" + tail(readLog(), 6000));
        }
        return r;
    }

    JsonNode inspect(String name) {
        return ok("inspect", name).json();
    }

    /** The cluster as this node sees it, by node id. */
    Map<String, JsonNode> nodes() {
        JsonNode json = ok("nodes", "--format", "json").json();
        JsonNode list = json.isArray() ? json : json.get("nodes");
        Map<String, JsonNode> byId = new java.util.TreeMap<>();
        list.forEach(n -> byId.put(n.get("id").asText(), n));
        return byId;
    }

    /** The events in this node's outbox, oldest first, as CloudEvents JSON. */
    List<JsonNode> events() {
        List<JsonNode> events = new ArrayList<>();
        for (String line : ok("events", "--format", "json").out().split("\n")) {
            if (!line.isBlank()) {
                try {
                    events.add(JSON.readTree(line));
                } catch (IOException e) {
                    throw new AssertionError("an event line is not JSON: " + line, e);
                }
            }
        }
        return events;
    }

    /** The container's output lines as this node holds them. */
    List<String> logs(String name) {
        return List.of(ok("logs", name).out().split("\n"));
    }

    /** The container's log as its monitor wrote it on this node, each line stamped by the monitor. */
    List<String> stampedLogs(String name) {
        String id = inspect(name).path("id").asText();
        Path file = root.resolve("containers").resolve(id).resolve("ctr.log");
        try {
            return Files.exists(file) ? Files.readAllLines(file) : List.of();
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    String readLog() {
        try {
            return Files.exists(log) ? Files.readString(log) : "";
        } catch (IOException e) {
            return "";
        }
    }

    static String tail(String text, int chars) {
        return text.length() <= chars ? text : "..." + text.substring(text.length() - chars);
    }

    @Override
    public void close() throws Exception {
        if (process != null && process.isAlive()) {
            process.destroy();
            if (!process.waitFor(10, TimeUnit.SECONDS)) {
                process.destroyForcibly().waitFor();
            }
        }
        if (namespace != null) {
            // the keeper, conmons and anything else the node left behind
            NodeProcesses.killAtOnce(NodeProcesses.withDescendants(namespace.pids()));
        }
        // containers outlive the daemon by design: take them down explicitly
        Path runc = root.resolve("runc");
        if (Files.isDirectory(runc)) {
            try (var ids = Files.list(runc)) {
                for (Path container : ids.toList()) {
                    Shell.run("/usr/sbin/runc", "--root", runc.toString(), "delete", "--force",
                            container.getFileName().toString());
                }
            }
        }
    }
}
