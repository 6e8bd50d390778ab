package io.hydra.runtime.state;

import java.util.Map;

/**
 * What a container was created with beyond its process: where its root filesystem comes from, its labels, and what
 * happens when it exits. Persisted with the record (records written before these existed read as {@link #NONE}).
 *
 * @param image       the image reference as resolved (normalized, e.g. {@code docker.io/library/busybox:latest}),
 *                    or null for a {@code --rootfs} or {@code --bundle} container
 * @param imageDigest the digest of the image's manifest the container was created from, or null without an image
 * @param autoRemove  {@code --rm}: removed by the daemon once it exited
 * @param tty         {@code -t}: its process has a terminal (through the monitor's console socket)
 */
public record RunOptions(String image, String imageDigest, Map<String, String> labels, RestartPolicy restart,
                         boolean autoRemove, boolean tty) {
    public static final RunOptions NONE = new RunOptions(null, null, Map.of(), RestartPolicy.NO, false, false);

    public RunOptions {
        labels = labels == null ? Map.of() : Map.copyOf(labels);
        restart = restart == null ? RestartPolicy.NO : restart;
    }

    public boolean fromImage() {
        return image != null;
    }
}
