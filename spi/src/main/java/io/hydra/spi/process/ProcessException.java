package io.hydra.spi.process;

/** A command could not be run to its end: it did not start, or the caller was interrupted (it was then killed). */
public class ProcessException extends RuntimeException {
    public ProcessException(String message) {
        super(message);
    }

    public ProcessException(String message, Throwable cause) {
        super(message, cause);
    }
}
