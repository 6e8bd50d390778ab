package io.hydra.spi.cluster;

/** The coordinator could not do what was asked; the message is meant for the user. */
public class CoordinatorException extends RuntimeException {
    public enum Kind {
        /** The engine did not answer within the deadline. */
        UNREACHABLE,
        /** Another live member holds the node id. */
        NODE_ID_TAKEN,
        /** Anything else the engine refused. */
        FAILED
    }

    private final Kind kind;

    public CoordinatorException(Kind kind, String message) {
        super(message);
        this.kind = kind;
    }

    public CoordinatorException(Kind kind, String message, Throwable cause) {
        super(message, cause);
        this.kind = kind;
    }

    public Kind kind() {
        return kind;
    }
}
