package io.hydra.spi.checkpoint;

import java.util.Objects;

/**
 * How far the memory of a lazy (post-copy) migration got, from either end: still moving, all of it at the restorer,
 * or failed. A failed transfer on the source means the container runs there again; on the target, that the restored
 * copy lacks pages and must not run.
 */
public record LazyTransfer(State state, String detail) {
    public enum State { RUNNING, COMPLETE, FAILED }

    public LazyTransfer {
        Objects.requireNonNull(state, "state");
        Objects.requireNonNull(detail, "detail");
    }

    public static LazyTransfer running() {
        return new LazyTransfer(State.RUNNING, "");
    }

    public static LazyTransfer complete(String detail) {
        return new LazyTransfer(State.COMPLETE, detail);
    }

    public static LazyTransfer failed(String detail) {
        return new LazyTransfer(State.FAILED, detail);
    }

    public boolean ended() {
        return state != State.RUNNING;
    }
}
