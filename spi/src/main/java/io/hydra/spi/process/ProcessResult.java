package io.hydra.spi.process;

import java.time.Duration;
import java.util.List;

/**
 * How a command ended. A non-zero exit is a result, not an exception: callers decide what it means.
 *
 * @param truncated whether stdout or stderr was longer than the spec's output limit
 */
public record ProcessResult(List<String> command, int exitCode, String stdout, String stderr, Duration elapsed,
                            boolean truncated) {
    public ProcessResult {
        command = List.copyOf(command);
    }

    public boolean succeeded() {
        return exitCode == 0;
    }
}
