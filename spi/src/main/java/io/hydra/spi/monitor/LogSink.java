package io.hydra.spi.monitor;

/** Receives a container's output, as it wrote it, from its log. */
@FunctionalInterface
public interface LogSink {
    /** Returns false when the reader should stop (the client went away). */
    boolean write(boolean stderr, byte[] data);
}
