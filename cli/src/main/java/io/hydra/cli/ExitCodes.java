package io.hydra.cli;

import io.grpc.Metadata;
import io.grpc.Status;

/**
 * The {@code hydra} command's exit status: 0 ok, 1 failed, 2 usage (picocli's), 125 the daemon refused to create or
 * run a container (as docker's run and create, so a script can tell that from the container's own exit code), 126
 * the container's command cannot be executed, 127 it is not found in the container.
 */
public final class ExitCodes {
    public static final int FAILED = 1;
    public static final int DAEMON_REFUSED = 125;

    /**
     * The trailer in which the daemon names the exit code for a refusal that has a conventional one: 127 for a
     * command not found in the container, 126 for one that cannot be executed (runtime-core's GrpcErrors sets it).
     */
    static final Metadata.Key<String> EXIT_CODE_TRAILER = Metadata.Key.of("hydra-exit-code",
            Metadata.ASCII_STRING_MARSHALLER);

    private ExitCodes() {
    }

    /** 126 or 127 when the daemon said the command cannot run, else {@link #FAILED}. */
    public static int of(Exception e) {
        Metadata trailers = Status.trailersFromThrowable(e);
        String code = trailers == null ? null : trailers.get(EXIT_CODE_TRAILER);
        if ("126".equals(code) || "127".equals(code)) {
            return Integer.parseInt(code);
        }
        return FAILED;
    }

    /**
     * As {@link #of(Exception)}, and 125 instead of 1 for {@code run} and {@code create}: there the container's own
     * code is the command's exit status, so the daemon's refusal (or an unreachable daemon) needs a code of its own.
     */
    static int of(Exception e, String verb) {
        int code = of(e);
        return code == FAILED && ("run".equals(verb) || "create".equals(verb)) ? DAEMON_REFUSED : code;
    }
}
