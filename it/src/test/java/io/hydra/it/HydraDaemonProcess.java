package io.hydra.it;

import java.io.File;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import io.hydra.cli.Hydra;

/**
 * A real daemon process on a private root and socket, driven through the real CLI (in-process, for speed), and
 * killable with SIGKILL like in production.
 */
final class HydraDaemonProcess implements AutoCloseable {
    static final ObjectMapper JSON = new ObjectMapper();
    static final Path REPO = Path.of(System.getProperty("hydra.repo", "..")).toAbsolutePath().normalize();
    static final Path DAEMON_JAR = REPO.resolve("runtime-core/target/quarkus-app/quarkus-run.jar");
    static final String RUNC = "/usr/sbin/runc";

    final Path dir;
    final Path root;
    final Path socket;
    final Path log;
    private final List<String> properties;
    private Process process;

    record Result(int code, String out, String err) {
        JsonNode json() {
            try {
                return JSON.readTree(out);
            } catch (IOException e) {
                throw new AssertionError("not JSON: " + out + err, e);
            }
        }
    }

    HydraDaemonProcess(String name, String... properties) throws IOException {
        this.dir = Files.createTempDirectory(Path.of("/tmp"), "hydra-it-" + name + "-");
        this.root = dir.resolve("root");
        this.socket = dir.resolve("hydra.sock");
        this.log = dir.resolve("daemon.log");
        this.properties = List.of(properties);
    }

    HydraDaemonProcess start() throws Exception {
        process = launch(properties).redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()))
                .redirectErrorStream(true).start();
        awaitTrue(Duration.ofSeconds(60), () -> {
            if (!process.isAlive()) {
                throw new AssertionError("daemon exited with " + process.exitValue() + ": " + readLog());
            }
            return Files.exists(socket) && hydra("version").code() == 0;
        }, "daemon up");
        return this;
    }

    ProcessBuilder launch(List<String> extra) {
        List<String> cmd = new ArrayList<>(List.of("java", "-Xmx256m", "-XX:+UseSerialGC",
                "-Dhydra.root=" + root, "-Dhydra.socket=" + socket, "-Dhydra.http-port=0",
                "-Dhydra.reconcile-interval=1s"));
        extra.forEach(p -> cmd.add("-D" + p));
        cmd.addAll(List.of("-jar", DAEMON_JAR.toString()));
        return new ProcessBuilder(cmd).redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")));
    }

    /** Starts another daemon process with these settings and returns its exit code and output. */
    Result runDaemonExpectingFailure(List<String> extra) throws Exception {
        Process p = launch(extra).redirectErrorStream(true).start();
        if (!p.waitFor(60, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new AssertionError("daemon did not exit");
        }
        return new Result(p.exitValue(), new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8), "");
    }

    void kill9() throws InterruptedException {
        process.destroyForcibly();
        process.waitFor();
    }

    Result hydra(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int code = Hydra.execute(args, new PrintWriter(out), new PrintWriter(err), Map.of("HYDRA_HOST", "unix://" + socket));
        return new Result(code, out.toString(), err.toString());
    }

    Result hydraWithStdin(String stdin, String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int code = Hydra.execute(args, new PrintWriter(out), new PrintWriter(err), Map.of("HYDRA_HOST", "unix://" + socket),
                new java.io.ByteArrayInputStream(stdin.getBytes(StandardCharsets.UTF_8)));
        return new Result(code, out.toString(), err.toString());
    }

    /** Runs a hydra command that must succeed. */
    Result ok(String... args) {
        Result r = hydra(args);
        if (r.code() != 0) {
            throw new AssertionError("hydra " + String.join(" ", args) + " exited " + r.code() + ": " + r.err()
                    + "\n--- daemon log:\n" + readLog());
        }
        return r;
    }

    JsonNode inspect(String name) {
        return ok("inspect", name).json();
    }

    String status(String name) {
        return inspect(name).get("status").asText();
    }

    String readLog() {
        try {
            return Files.exists(log) ? Files.readString(log) : "";
        } catch (IOException e) {
            return "";
        }
    }

    static void awaitTrue(Duration timeout, BooleanSupplier condition, String what) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("timed out waiting for " + what);
            }
            Thread.sleep(50);
        }
    }

    static String sh(String... cmd) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        p.waitFor();
        return out;
    }

    String runc(String... args) throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>(List.of(RUNC, "--root", root.resolve("runc").toString()));
        cmd.addAll(List.of(args));
        return sh(cmd.toArray(String[]::new));
    }

    @Override
    public void close() throws Exception {
        if (process != null && process.isAlive()) {
            process.destroy();
            process.waitFor(10, TimeUnit.SECONDS);
            process.destroyForcibly();
        }
        // containers outlive the daemon by design: take them down explicitly
        if (Files.isDirectory(root.resolve("runc"))) {
            try (var ids = Files.list(root.resolve("runc"))) {
                for (Path id : ids.toList()) {
                    runc("delete", "--force", id.getFileName().toString());
                }
            }
        }
        // an image container's root is an overlay mount: rm would walk into it and stop at the busy mount point
        if (Files.isDirectory(root.resolve("containers"))) {
            String mounts = Files.readString(Path.of("/proc/self/mountinfo"));
            try (var containers = Files.list(root.resolve("containers"))) {
                for (Path container : containers.toList()) {
                    if (mounts.contains(" " + container.resolve("rootfs") + " ")) {
                        sh("umount", container.resolve("rootfs").toString());
                    }
                }
            }
        }
        sh("rm", "-rf", dir.toString());
    }
}
