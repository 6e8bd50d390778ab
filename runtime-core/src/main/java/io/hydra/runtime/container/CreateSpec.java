package io.hydra.runtime.container;

import java.util.List;

/**
 * A create request as the API received it; nothing here is trusted yet.
 *
 * @param memoryBytes with --rootfs, the memory limit of the container's cgroup; 0 for none
 */
public record CreateSpec(String name, String bundle, String rootfs, List<String> args, List<String> env,
                         String monitor, boolean interactive, boolean hostNetwork, long memoryBytes) {
    public CreateSpec {
        args = args == null ? List.of() : List.copyOf(args);
        env = env == null ? List.of() : List.copyOf(env);
    }
}
