package io.hydra.runtime.image;

import java.util.List;
import java.util.Map;

/**
 * The part of an image's config (OCI image config {@code config} object) that shapes a container's process.
 * Empty lists and nulls mean the image does not say.
 */
public record ImageConfig(List<String> entrypoint, List<String> cmd, List<String> env, String workingDir, String user,
                          Map<String, String> labels, List<String> exposedPorts, String stopSignal) {
    public ImageConfig {
        entrypoint = entrypoint == null ? List.of() : List.copyOf(entrypoint);
        cmd = cmd == null ? List.of() : List.copyOf(cmd);
        env = env == null ? List.of() : List.copyOf(env);
        labels = labels == null ? Map.of() : Map.copyOf(labels);
        exposedPorts = exposedPorts == null ? List.of() : List.copyOf(exposedPorts);
    }
}
