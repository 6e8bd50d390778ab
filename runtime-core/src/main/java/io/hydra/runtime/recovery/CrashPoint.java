package io.hydra.runtime.recovery;

import org.jboss.logging.Logger;

/**
 * Fault injection for the crash tests, off unless the daemon runs with {@code -Dhydra.test.crash-at=BOUNDARY}:
 * the daemon halts at once (no shutdown hooks, like SIGKILL) at that boundary. The boundaries:
 * <ul>
 * <li>{@code start.intent-written}: a start's intent is durable, runc start not called yet</li>
 * <li>{@code start.runtime-started}: runc start returned, the record still says created</li>
 * <li>{@code relaunch.intent-written}: a restart's (or an orphan's relaunch) intent is durable, nothing done</li>
 * <li>{@code relaunch.monitor-launched}: a new monitor created the container, not started, record unchanged</li>
 * <li>{@code relaunch.runtime-started}: runc start returned, the record still names the old run</li>
 * <li>{@code restore.intent-written}: a restore's intent is durable, no monitor launched yet</li>
 * <li>{@code restore.monitor-launched}: the restored container runs, its record still says checkpointed</li>
 * <li>{@code checkpoint.intent-written}: a checkpoint's intent is durable, the dump not begun</li>
 * <li>{@code checkpoint.dumped}: the dump is complete (a stopping one stopped the container), nothing recorded</li>
 * <li>{@code checkpoint.marked}: the record says checkpointed, the upload not begun</li>
 * <li>{@code checkpoint.committed}: the version is committed in the repository, the intent not settled</li>
 * </ul>
 */
public final class CrashPoint {
    private static final Logger LOG = Logger.getLogger(CrashPoint.class);
    private static final String ARMED = System.getProperty("hydra.test.crash-at", "");

    private CrashPoint() {
    }

    public static void at(String boundary) {
        if (!ARMED.isEmpty() && ARMED.equals(boundary)) {
            LOG.errorf("hydra.test.crash-at=%s: halting here", boundary);
            Runtime.getRuntime().halt(137);
        }
    }
}
