package io.hydra.runtime;

/** A request could not be served; {@link Kind} says how the API should report it. The message is for the user. */
public class HydraException extends RuntimeException {
    public enum Kind { INVALID, NOT_FOUND, CONFLICT, FAILED }

    private final Kind kind;

    public HydraException(Kind kind, String message) {
        super(message);
        this.kind = kind;
    }

    public HydraException(Kind kind, String message, Throwable cause) {
        super(message, cause);
        this.kind = kind;
    }

    public Kind kind() {
        return kind;
    }

    public static HydraException invalid(String message) {
        return new HydraException(Kind.INVALID, message);
    }

    public static HydraException notFound(String message) {
        return new HydraException(Kind.NOT_FOUND, message);
    }

    public static HydraException conflict(String message) {
        return new HydraException(Kind.CONFLICT, message);
    }

    public static HydraException failed(String message) {
        return new HydraException(Kind.FAILED, message);
    }
}
