package io.hydra.spi.monitor;

import java.util.concurrent.CompletionStage;

/** A live connection between the daemon and one container's monitor. */
public interface MonitorHandle {
    MonitorRecord record();

    /** True while the monitor process recorded in {@link #record()} is alive. */
    default boolean isMonitorAlive() {
        return record().monitor().isAlive();
    }

    /** True when the monitor is a child of this daemon process (lazy monitors before any daemon restart). */
    boolean isChildOfThisDaemon();

    /**
     * Completes when the monitor process is gone. Strategies that learn of it at once (a child reaped by waitpid)
     * complete it at once; the others may never complete it and rely on the daemon's periodic liveness check.
     */
    CompletionStage<Void> monitorExit();
}
