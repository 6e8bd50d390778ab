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

    /**
     * Connects to the stdio of a container this strategy launched. Output written before the call is not replayed
     * (it is in the container's log).
     */
    AttachSession attach(MonitorRecord record, AttachSession.Listener listener) throws MonitorException;

    @Override
    default void close() {
    }
}
