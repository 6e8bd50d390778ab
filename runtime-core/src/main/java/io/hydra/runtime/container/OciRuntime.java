package io.hydra.runtime.container;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import io.hydra.runtime.HydraException;
import io.hydra.spi.monitor.OciRuntimeRef;

/** The OCI runtime (runc) for the operations the daemon runs itself; create goes through the monitor. */
public final class OciRuntime {
    private static final Pattern RUNC_MESSAGE = Pattern.compile("msg=\"((?:[^\"\\\\]|\\\\.)*)\"");

    private final Path binary;
    private final Path stateRoot;

    public OciRuntime(Path binary, Path stateRoot) {
        if (!Files.isExecutable(binary)) {
            throw new IllegalStateException("OCI runtime not found or not executable at " + binary
                    + " (install runc or set hydra.runtime.path)");
        }
        this.binary = binary;
        this.stateRoot = stateRoot;
    }

    public OciRuntimeRef ref() {
        return new OciRuntimeRef(binary, stateRoot);
    }

    public void start(String id) {
        run("start", id);
    }

    public void kill(String id, String signal) {
        run("kill", id, signal);
    }

    public void pause(String id) {
        run("pause", id);
    }

    public void resume(String id) {
        run("resume", id);
    }

    /** Removes the container from the runtime; with force, kills it first. Quiet when it is already gone. */
    public void delete(String id, boolean force) {
        try {
            if (force) {
                run("delete", "--force", id);
            } else {
                run("delete", id);
            }
        } catch (HydraException e) {
            if (!e.getMessage().contains("does not exist")) {
                throw e;
            }
        }
    }

    /** The pids of every process in the container. */
    public List<Integer> processes(String id) {
        String out = run("ps", "--format", "json", id).trim();
        List<Integer> pids = new ArrayList<>();
        for (String part : out.replace("[", "").replace("]", "").split(",")) {
            if (!part.isBlank()) {
                pids.add(Integer.parseInt(part.trim()));
            }
        }
        return pids;
    }

    public Process exec(String id, List<String> args, List<String> env) throws IOException {
        List<String> cmd = new ArrayList<>(List.of(binary.toString(), "--root", stateRoot.toString(), "exec"));
        for (String e : env) {
            cmd.add("--env");
            cmd.add(e);
        }
        cmd.add(id);
        cmd.addAll(args);
        return new ProcessBuilder(cmd).redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null"))).start();
    }

    public String version() {
        try {
            Process p = new ProcessBuilder(binary.toString(), "--version").redirectErrorStream(true).start();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            p.waitFor(10, TimeUnit.SECONDS);
            return out.lines().findFirst().orElse("").replace("runc version ", "").trim();
        } catch (IOException e) {
            return "unknown";
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return "unknown";
        }
    }

    private String run(String... args) {
        List<String> cmd = new ArrayList<>(List.of(binary.toString(), "--root", stateRoot.toString()));
        cmd.addAll(List.of(args));
        try {
            Process p = new ProcessBuilder(cmd).redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")))
                    .start();
            byte[] stdout;
            byte[] stderr;
            try (InputStream out = p.getInputStream(); InputStream err = p.getErrorStream()) {
                stdout = out.readAllBytes();
                stderr = err.readAllBytes();
            }
            if (!p.waitFor(60, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                throw HydraException.failed("runc " + args[0] + " did not finish within 60 s");
            }
            if (p.exitValue() != 0) {
                throw HydraException.failed("runc " + args[0] + " failed: " + message(new String(stderr, StandardCharsets.UTF_8)));
            }
            return new String(stdout, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw HydraException.failed("cannot run " + binary + ": " + e.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw HydraException.failed("interrupted while running runc " + args[0]);
        }
    }

    /** runc logs {@code time=... level=error msg="..."}: the user needs only the message. */
    static String message(String stderr) {
        Matcher m = RUNC_MESSAGE.matcher(stderr);
        String last = null;
        while (m.find()) {
            last = m.group(1);
        }
        String text = last != null ? last.replace("\\\"", "\"").replace("\\\\", "\\") : stderr;
        return text.strip();
    }

    /** {@code runc state}: empty when the runtime does not know the container. */
    public java.util.Optional<RuntimeState> state(String id) {
        String out;
        try {
            out = run("state", id);
        } catch (HydraException e) {
            if (e.getMessage().contains("does not exist")) {
                return java.util.Optional.empty();
            }
            throw e;
        }
        try {
            com.fasterxml.jackson.databind.JsonNode state = new com.fasterxml.jackson.databind.ObjectMapper().readTree(out);
            return java.util.Optional.of(new RuntimeState(state.path("status").asText("unknown"), state.path("pid").asInt(0)));
        } catch (IOException e) {
            throw HydraException.failed("runc state " + id + " printed what is not JSON: " + e.getMessage());
        }
    }
}
