package io.hydra.spi.monitor;

/** Receives a container's output, as it wrote it, from its log. */
@FunctionalInterface
public interface LogSink {
    void write(boolean stderr, byte[] data);
}
