package io.hydra.spi.process;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * One external command to run to completion.
 *
 * @param command     the program and its arguments
 * @param deadline    how long it may take; past it the whole process group is killed
 * @param environment variables added to (or replacing those of) the daemon's environment
 * @param directory   the working directory, the daemon's when empty
 * @param outputLimit bytes kept of stdout and of stderr each; the rest is read and dropped so the child never blocks
 */
public record ProcessSpec(List<String> command, Duration deadline, Map<String, String> environment,
                          Optional<Path> directory, int outputLimit) {
    public static final int DEFAULT_OUTPUT_LIMIT = 1 << 20;

    public ProcessSpec {
        command = List.copyOf(command);
        if (command.isEmpty()) {
            throw new IllegalArgumentException("no command to run");
        }
        Objects.requireNonNull(deadline, "deadline");
        if (deadline.isNegative() || deadline.isZero()) {
            throw new IllegalArgumentException("the deadline of " + command.get(0) + " must be positive, not " + deadline);
        }
        environment = Map.copyOf(environment);
        Objects.requireNonNull(directory, "directory");
        if (outputLimit < 0) {
            throw new IllegalArgumentException("outputLimit must not be negative");
        }
    }

    public static ProcessSpec of(Duration deadline, List<String> command) {
        return new ProcessSpec(command, deadline, Map.of(), Optional.empty(), DEFAULT_OUTPUT_LIMIT);
    }

    public ProcessSpec withEnvironment(Map<String, String> env) {
        return new ProcessSpec(command, deadline, env, directory, outputLimit);
    }

    public ProcessSpec withDirectory(Path dir) {
        return new ProcessSpec(command, deadline, environment, Optional.of(dir), outputLimit);
    }

    /** The program's file name, for messages: {@code runc}, {@code criu}. */
    public String program() {
        String first = command.get(0);
        return first.substring(first.lastIndexOf('/') + 1);
    }
}
