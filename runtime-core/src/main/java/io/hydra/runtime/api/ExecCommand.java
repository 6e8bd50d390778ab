package io.hydra.runtime.api;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import io.hydra.runtime.container.BundlePreparer;
import io.hydra.runtime.container.CommandNotRunnableException;
import io.hydra.spi.monitor.ProcessIdentity;

/**
 * Looks up an exec's command in the running container before runc is asked, so that a missing command ends as a
 * shell's would (127, "not found") and one that cannot be executed as 126, each with a message naming it, rather
 * than as runc's own failure status 255.
 */
final class ExecCommand {
    static final int NOT_FOUND = CommandNotRunnableException.NOT_FOUND;
    static final int NOT_EXECUTABLE = CommandNotRunnableException.NOT_EXECUTABLE;
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String DEFAULT_PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";

    /** Why the command cannot run: the exit code the client gets and the message written to its stderr. */
    record Refusal(int exitCode, String message) {
    }

    private ExecCommand() {
    }

    /**
     * @param init         the container's init process: the command is looked up in its root, as runc will
     * @param bundleConfig the config.json the container was created from (its process.env PATH and cwd apply)
     * @param env          the exec's own KEY=VALUE entries; a PATH among them wins, as it does for runc
     */
    static Optional<Refusal> check(ProcessIdentity init, Path bundleConfig, List<String> args, List<String> env) {
        String path = DEFAULT_PATH;
        String cwd = "/";
        try {
            JsonNode process = JSON.readTree(bundleConfig.toFile()).path("process");
            for (JsonNode e : process.path("env")) {
                if (e.asText().startsWith("PATH=")) {
                    path = e.asText().substring(5);
                }
            }
            cwd = process.path("cwd").asText("/");
        } catch (IOException e) {
            // runc reads the same file; if it cannot, its own error will say so
            return Optional.empty();
        }
        for (String e : env) {
            if (e.startsWith("PATH=")) {
                path = e.substring(5);
            }
        }
        String command = args.get(0);
        Path root = Path.of("/proc", Integer.toString(init.pid()), "root");
        BundlePreparer.CommandLookup found = BundlePreparer.lookupCommand(root, command, path, cwd);
        if (!init.isAlive()) {
            return Optional.empty(); // the container is going away; runc will say so
        }
        return switch (found) {
            case FOUND -> Optional.empty();
            case NOT_FOUND -> Optional.of(new Refusal(NOT_FOUND, "hydra: exec: \"" + command + "\": "
                    + (command.contains("/") ? "no such file or directory in the container"
                    : "executable file not found in $PATH (PATH=" + path + ")") + "\n"));
            case NOT_EXECUTABLE -> Optional.of(new Refusal(NOT_EXECUTABLE, "hydra: exec: \"" + command
                    + "\": permission denied (not an executable file)\n"));
        };
    }
}
