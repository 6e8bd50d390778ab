package io.hydra.spi.plugin;

import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;

/**
 * What the daemon hands a plugin when creating it.
 *
 * @param nodeId   this node's identity
 * @param stateDir a directory owned by this plugin, under the daemon's root
 * @param config   the plugin's own settings: the properties under {@code hydra.<type>.<name>.} with that prefix removed
 */
public record PluginContext(String nodeId, Path stateDir, Map<String, String> config) {
    public PluginContext {
        config = Map.copyOf(config);
    }

    public Optional<String> setting(String key) {
        return Optional.ofNullable(config.get(key));
    }

    public String setting(String key, String defaultValue) {
        return config.getOrDefault(key, defaultValue);
    }
}
