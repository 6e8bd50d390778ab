package io.hydra.spi.plugin;

import java.nio.file.Path;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

import io.hydra.spi.process.Deadlines;
import io.hydra.spi.process.ProcessRunner;

/**
 * What the daemon hands a plugin when creating it.
 *
 * @param nodeId    this node's identity
 * @param stateDir  a directory owned by this plugin, under the daemon's root
 * @param config    the plugin's own settings: the properties under {@code hydra.plugin.<type>.<name>.} with that prefix
 *                  removed, only keys the factory declared ({@link PluginFactory#settingKeys()})
 * @param deadlines the daemon's deadlines for runtime calls and for dumps and restores
 * @param processes the runner every external command goes through
 */
public record PluginContext(String nodeId, Path stateDir, Map<String, String> config, Deadlines deadlines,
                            ProcessRunner processes) {
    public PluginContext {
        config = Map.copyOf(config);
        Objects.requireNonNull(deadlines, "deadlines");
        Objects.requireNonNull(processes, "processes");
    }

    /** A context with the default deadlines and a runner of its own (tests, tools). */
    public PluginContext(String nodeId, Path stateDir, Map<String, String> config) {
        this(nodeId, stateDir, config, Deadlines.defaults(), new ProcessRunner());
    }

    public Optional<String> setting(String key) {
        return Optional.ofNullable(config.get(key));
    }

    public String setting(String key, String defaultValue) {
        return config.getOrDefault(key, defaultValue);
    }
}
