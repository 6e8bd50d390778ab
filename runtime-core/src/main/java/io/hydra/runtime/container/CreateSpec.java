package io.hydra.runtime.container;

import java.util.List;
import java.util.Map;

/**
 * A create request as the API received it; nothing here is trusted yet. Exactly one of {@code bundle},
 * {@code rootfs} and {@code image} names where the container's root comes from.
 *
 * @param image       an image reference ({@code busybox}, {@code host:5000/repo:tag}, {@code repo@sha256:...}); with
 *                    it, {@code args} replace the image's Cmd (the Entrypoint stays, as docker does)
 * @param memoryBytes the memory limit of the container's cgroup; 0 for none
 * @param cpuMillis   {@code --cpus} in thousandths of a CPU (1.5 is 1500); 0 for no limit
 * @param volumes     {@code -v} entries as typed: {@code HOST:CTR[:ro]}
 * @param workdir     {@code -w}: the process's working directory in the container; null or empty for the default
 * @param user        {@code -u}: {@code UID[:GID]} or a name from the container's /etc/passwd; null or empty for the
 *                    default
 * @param restart     {@code --restart}: {@code no}, {@code on-failure[:N]} or {@code always}; null or empty for no
 * @param autoRemove  {@code --rm}
 * @param tty         {@code -t}
 * @param constraints {@code --constraint K=V}: node labels a node must have to take the container over
 */
public record CreateSpec(String name, String bundle, String rootfs, String image, List<String> args, List<String> env,
                         String monitor, boolean interactive, boolean tty, boolean hostNetwork, long memoryBytes,
                         long cpuMillis, List<String> volumes, String workdir, String user, Map<String, String> labels,
                         String restart, boolean autoRemove, Map<String, String> constraints) {
    public CreateSpec {
        args = args == null ? List.of() : List.copyOf(args);
        env = env == null ? List.of() : List.copyOf(env);
        volumes = volumes == null ? List.of() : List.copyOf(volumes);
        labels = labels == null ? Map.of() : Map.copyOf(labels);
        constraints = constraints == null ? Map.of() : Map.copyOf(constraints);
    }

    /** A request without constraints (every flag but {@code --constraint}). */
    public CreateSpec(String name, String bundle, String rootfs, String image, List<String> args, List<String> env,
                      String monitor, boolean interactive, boolean tty, boolean hostNetwork, long memoryBytes,
                      long cpuMillis, List<String> volumes, String workdir, String user, Map<String, String> labels,
                      String restart, boolean autoRemove) {
        this(name, bundle, rootfs, image, args, env, monitor, interactive, tty, hostNetwork, memoryBytes, cpuMillis,
                volumes, workdir, user, labels, restart, autoRemove, Map.of());
    }

    /** A {@code --rootfs} or {@code --bundle} request with only the flags that existed before images. */
    public CreateSpec(String name, String bundle, String rootfs, List<String> args, List<String> env, String monitor,
                      boolean interactive, boolean hostNetwork, long memoryBytes) {
        this(name, bundle, rootfs, null, args, env, monitor, interactive, false, hostNetwork, memoryBytes, 0, List.of(),
                null, null, Map.of(), null, false);
    }
}
