package io.hydra.checkpoint.criu;

import java.time.Duration;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import io.hydra.spi.checkpoint.CheckpointRequest;
import io.hydra.spi.process.ProcessException;
import io.hydra.spi.process.ProcessResult;
import io.hydra.spi.process.ProcessRunner;

/**
 * After a failed dump: asks the runtime whether the container's freezer still holds it and resumes it if so. Only
 * running containers are checkpointed, so a container found paused here was frozen by the dump that failed.
 */
final class FreezerGuard {
    private static final Pattern STATUS = Pattern.compile("\"status\"\\s*:\\s*\"([a-z]+)\"");

    private final ProcessRunner processes;
    private final Duration deadline;

    FreezerGuard(ProcessRunner processes, Duration deadline) {
        this.processes = processes;
        this.deadline = deadline;
    }

    /** Thaws the container if it is frozen; says what it found and did, for the error message. */
    String thawIfFrozen(CheckpointRequest request) {
        String id = request.containerId();
        try {
            String status = status(request);
            if (!status.equals("paused")) {
                return "the container is " + status;
            }
            ProcessResult resumed = runtime(request, "resume", id);
            if (!resumed.succeeded()) {
                return "the container was left frozen and resuming it failed: " + resumed.stderr().strip();
            }
            String after = status(request);
            return after.equals("running") ? "the container was left frozen and has been resumed"
                    : "the container was left frozen; after resume it is " + after;
        } catch (ProcessException e) {
            return "its freezer state is unknown: " + e.getMessage();
        }
    }

    private String status(CheckpointRequest request) {
        ProcessResult state = runtime(request, "state", request.containerId());
        Matcher m = STATUS.matcher(state.stdout());
        if (!state.succeeded() || !m.find()) {
            throw new ProcessException("runc state " + request.containerId() + " failed: " + state.stderr().strip());
        }
        return m.group(1);
    }

    private ProcessResult runtime(CheckpointRequest request, String verb, String id) {
        return processes.run(deadline, request.runtime().binary().toString(), "--root",
                request.runtime().stateRoot().toString(), verb, id);
    }
}
