package io.hydra.cli.containers;

import java.io.PrintWriter;

import io.hydra.api.v1.WaitResponse;
import io.hydra.cli.ExitCodes;

/** The exit status of a command that waited for its container. */
final class ExitStatus {
    private ExitStatus() {
    }

    /**
     * The container's exit code; a container checkpointed (stopping) instead has none: say so and fail rather than
     * pretend one.
     */
    static int of(String container, WaitResponse r, PrintWriter err) {
        if (isCheckpointed(r)) {
            err.println("hydra: container " + container + " was checkpointed, not exited: it has no exit code"
                    + " (hydra restore " + container + " brings it back)");
            err.flush();
            return ExitCodes.FAILED;
        }
        return r.getExitCode();
    }

    static boolean isCheckpointed(WaitResponse r) {
        return "checkpointed".equals(r.getStatus());
    }
}
