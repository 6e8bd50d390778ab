package io.hydra.runtime.recovery;

import org.jboss.logging.Logger;

/**
 * Fault injection for the crash tests, off unless the daemon runs with {@code -Dhydra-test.crash-at=BOUNDARY}:
 * the daemon halts at once (no shutdown hooks, like SIGKILL) at that boundary, once per root: it leaves
 * {@code <root>/crashed-at-BOUNDARY} first, so the restarted daemon (same flags) runs on. The boundaries:
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
 * <li>{@code migration.handed-over}: a migration's ownership record names the target, the journal not yet</li>
 * </ul>
 */
public final class CrashPoint {
    private static final Logger LOG = Logger.getLogger(CrashPoint.class);
    private static final String ARMED = System.getProperty("hydra-test.crash-at", "");
    private static volatile java.nio.file.Path marker;

    private CrashPoint() {
    }

    /** Called once at start-up with the daemon's root; without it no crash point fires. */
    public static void arm(java.nio.file.Path root) {
        if (!ARMED.isEmpty()) {
            java.nio.file.Path m = root.resolve("crashed-at-" + ARMED);
            marker = java.nio.file.Files.exists(m) ? null : m;
            LOG.warnf("hydra-test.crash-at=%s is set: %s", ARMED, marker == null ? "fired already, off" : "armed");
        }
    }

    public static void at(String boundary) {
        java.nio.file.Path m = marker;
        if (m != null && ARMED.equals(boundary)) {
            try {
                java.nio.file.Files.writeString(m, boundary);
            } catch (java.io.IOException e) {
                LOG.errorf("cannot write %s: %s", m, e.getMessage());
            }
            LOG.errorf("hydra-test.crash-at=%s: halting here", boundary);
            Runtime.getRuntime().halt(137);
        }
    }
}
