package io.hydra.spi.cluster;

/** A watch or a campaign; closing it stops it. */
public interface Subscription extends AutoCloseable {
    @Override
    void close();
}
