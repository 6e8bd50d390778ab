package io.hydra.runtime.container;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import io.hydra.runtime.HydraException;
import io.hydra.spi.monitor.OciRuntimeRef;
import io.hydra.spi.process.DeadlineExceededException;
import io.hydra.spi.process.Deadlines;
import io.hydra.spi.process.ProcessException;
import io.hydra.spi.process.ProcessResult;
import io.hydra.spi.process.ProcessRunner;

/**
 * The OCI runtime (runc) for the operations the daemon runs itself; create goes through the monitor. Every call goes
 * through the {@link ProcessRunner} under {@code hydra.runtime.timeout}.
 */
public final class OciRuntime {
    private static final Pattern RUNC_MESSAGE = Pattern.compile("msg=\"((?:[^\"\\\\]|\\\\.)*)\"");

    private final Path binary;
    private final Path stateRoot;
    private final ProcessRunner processes;
    private final Duration timeout;

    /** @param timeout the deadline of each runc call ({@code hydra.runtime.timeout}) */
    public OciRuntime(Path binary, Path stateRoot, ProcessRunner processes, Duration timeout) {
        if (!Files.isExecutable(binary)) {
            throw new IllegalStateException("OCI runtime not found or not executable at " + binary
                    + " (install runc or set hydra.runtime.path)");
        }
        this.binary = binary;
        this.stateRoot = stateRoot;
        this.processes = processes;
        this.timeout = timeout;
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

    /**
     * An interactive exec streams for as long as the command lives, so it runs outside the runner: no deadline, its
     * streams belong to the caller.
     */
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
            ProcessResult r = processes.run(timeout, binary.toString(), "--version");
            return (r.stdout() + r.stderr()).lines().findFirst().orElse("").replace("runc version ", "").trim();
        } catch (ProcessException e) {
            return "unknown";
        }
    }

    /** One runc call under {@code hydra.runtime.timeout}; a non-zero exit is an error carrying runc's message. */
    private String run(String... args) {
        List<String> cmd = new ArrayList<>(List.of(binary.toString(), "--root", stateRoot.toString()));
        cmd.addAll(List.of(args));
        ProcessResult r;
        try {
            r = processes.run(timeout, cmd);
        } catch (DeadlineExceededException e) {
            throw HydraException.failed("runc " + args[0] + " did not finish within " + Deadlines.format(timeout)
                    + " (hydra.runtime.timeout) and was killed");
        } catch (ProcessException e) {
            throw HydraException.failed("runc " + args[0] + ": " + e.getMessage());
        }
        if (!r.succeeded()) {
            throw HydraException.failed("runc " + args[0] + " failed: " + message(r.stderr()));
        }
        return r.stdout();
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
