package io.hydra.spi.monitor;

/**
 * How a container is supervised: every container runs under its own monitor process so that the daemon can die
 * without the container noticing.
 */
public interface MonitorStrategy extends AutoCloseable {
    /** The short name this strategy is registered under. */
    String name();

    /**
     * Creates the container under a new monitor and returns once the runtime has created it (its init process
     * exists, waiting to be started) or failed. On failure nothing of the container is left in the runtime.
     */
    MonitorHandle launch(LaunchRequest request) throws MonitorException;

    /** Re-attaches to a monitor launched earlier, possibly by another daemon process, from its persisted record. */
    MonitorHandle adopt(MonitorRecord record);

    @Override
    default void close() {
    }
}
