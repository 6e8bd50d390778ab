package io.hydra.runtime.config;

import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

import io.hydra.runtime.plugin.PluginRegistry;

/**
 * Every {@code hydra.plugin.TYPE.NAME.KEY} setting must name a plugin type, a plugin of that type and a key the
 * plugin declared ({@link io.hydra.spi.plugin.PluginFactory#settingKeys()}); anything else stops the daemon at start,
 * naming the setting and what would have been valid.
 */
public final class PluginSettingsCheck {
    private PluginSettingsCheck() {
    }

    /**
     * @param settings the settings by type, name and key ({@code HydraConfig.plugin()})
     * @param types    the SPI of each plugin type, by the type's name in settings: {@code monitor}, {@code storage}, ...
     * @throws IllegalStateException naming the first bad setting
     */
    public static void verify(Map<String, Map<String, Map<String, String>>> settings, Map<String, Class<?>> types,
                              PluginRegistry plugins) {
        for (var byType : new java.util.TreeMap<>(settings).entrySet()) {
            String type = byType.getKey();
            Class<?> spi = types.get(type);
            if (spi == null) {
                throw new IllegalStateException(setting(type, "*", "*") + ": unknown plugin type '" + type
                        + "'; plugin types are " + new TreeSet<>(types.keySet()));
            }
            for (var byName : new java.util.TreeMap<>(byType.getValue()).entrySet()) {
                String name = byName.getKey();
                Set<String> accepted = plugins.settingKeys(spi, name).orElseThrow(() -> new IllegalStateException(
                        setting(type, name, "*") + ": there is no " + type + " plugin '" + name + "'; "
                                + type + " plugins are " + plugins.names(spi)));
                List<String> unknown = byName.getValue().keySet().stream().filter(k -> !accepted.contains(k))
                        .sorted().toList();
                if (!unknown.isEmpty()) {
                    throw new IllegalStateException(setting(type, name, unknown.get(0)) + ": " + type + " plugin '"
                            + name + "' has no setting '" + unknown.get(0) + "'; its settings are "
                            + (accepted.isEmpty() ? "none" : new TreeSet<>(accepted).toString()));
                }
            }
        }
    }

    private static String setting(String type, String name, String key) {
        return "hydra.plugin." + type + "." + name + "." + key;
    }
}
