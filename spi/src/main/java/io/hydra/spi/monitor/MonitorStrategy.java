package io.hydra.spi.monitor;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Optional;
import java.util.function.Consumer;

/**
 * How a container is supervised: every container runs under its own monitor process so that the daemon can die
 * without the container noticing. What the monitor writes (exit status, markers, the log's format) is known only
 * to the strategy; the daemon asks through these methods.
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
     * Finds the live monitor of a container launched by {@code request} whose record the daemon never wrote (it
     * died between the launch and its commit). {@code container} is the init process the runtime reports.
     */
    Optional<MonitorRecord> locate(LaunchRequest request, ProcessIdentity container);

    /**
     * Connects to the stdio of a container this strategy launched. Output written before the call is not replayed
     * (it is in the container's log).
     */
    AttachSession attach(MonitorRecord record, AttachSession.Listener listener) throws MonitorException;

    /** How the container ended, once its monitor has recorded that; empty while it runs (or nothing is written). */
    Optional<ExitReport> exitStatus(String containerId, Path containerDir);

    /** Forgets what the monitor recorded of an earlier run, before the same container runs again. */
    void clearExitStatus(String containerId, Path containerDir) throws IOException;

    /**
     * Calls {@code listener} with a container's id whenever one launched by this strategy may have exited; the
     * daemon then asks {@link #exitStatus}. Called once, before the daemon serves; a missed notification is caught
     * by the daemon's periodic pass.
     */
    void watchExits(Consumer<String> listener) throws MonitorException;

    /**
     * Opens a non-blocking cursor at the start of a container's log, the file the strategy was given as
     * {@link LaunchRequest#logFile()}. The file need not exist yet.
     */
    LogCursor openLog(Path logFile);

    @Override
    default void close() {
    }
}
