package io.hydra.runtime.state;

import java.util.Map;

/**
 * What a container was created with beyond its process: where its root filesystem comes from, its labels, and what
 * happens when it exits. Persisted with the record (records written before these existed read as {@link #NONE}, and
 * those written before constraints existed read with none).
 *
 * @param image           the image reference as resolved (normalized, e.g. {@code docker.io/library/busybox:latest}),
 *                        or null for a {@code --rootfs} or {@code --bundle} container
 * @param imageDigest     the digest of the image's manifest the container was created from, or null without an image
 * @param autoRemove      {@code --rm}: removed by the daemon once it exited
 * @param tty             {@code -t}: its process has a terminal (through the monitor's console socket)
 * @param manuallyStopped a user stopped, killed or is removing it since it was last started: its restart policy
 *                        does not apply to that exit (persisted, so a daemon restart does not bring it back)
 * @param constraints     {@code --constraint K=V}: node labels a node must have to take it over (failover, migration)
 */
public record RunOptions(String image, String imageDigest, Map<String, String> labels, RestartPolicy restart,
                         boolean autoRemove, boolean tty, boolean manuallyStopped, Map<String, String> constraints) {
    public static final RunOptions NONE = new RunOptions(null, null, Map.of(), RestartPolicy.NO, false, false, false,
            Map.of());

    public RunOptions {
        labels = labels == null ? Map.of() : Map.copyOf(labels);
        restart = restart == null ? RestartPolicy.NO : restart;
        constraints = constraints == null ? Map.of() : Map.copyOf(constraints);
    }

    public RunOptions(String image, String imageDigest, Map<String, String> labels, RestartPolicy restart,
                      boolean autoRemove, boolean tty, boolean manuallyStopped) {
        this(image, imageDigest, labels, restart, autoRemove, tty, manuallyStopped, Map.of());
    }

    public RunOptions(String image, String imageDigest, Map<String, String> labels, RestartPolicy restart,
                      boolean autoRemove, boolean tty) {
        this(image, imageDigest, labels, restart, autoRemove, tty, false, Map.of());
    }

    public boolean fromImage() {
        return image != null;
    }

    public RunOptions withManuallyStopped(boolean stopped) {
        return new RunOptions(image, imageDigest, labels, restart, autoRemove, tty, stopped, constraints);
    }

    public RunOptions withConstraints(Map<String, String> newConstraints) {
        return new RunOptions(image, imageDigest, labels, restart, autoRemove, tty, manuallyStopped, newConstraints);
    }
}
