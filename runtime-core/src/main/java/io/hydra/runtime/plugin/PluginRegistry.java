package io.hydra.runtime.plugin;

import java.util.Map;
import java.util.ServiceLoader;
import java.util.TreeMap;

import io.hydra.runtime.HydraException;
import io.hydra.spi.plugin.PluginContext;
import io.hydra.spi.plugin.PluginFactory;

/**
 * Every plugin on the class path, found through {@link ServiceLoader} and filed under its type and short name.
 * The core asks for a type and a name and never knows which classes answer.
 */
public final class PluginRegistry {
    private final Map<Class<?>, Map<String, PluginFactory<?>>> factories = new java.util.HashMap<>();

    public PluginRegistry() {
        for (PluginFactory<?> factory : ServiceLoader.load(PluginFactory.class, PluginRegistry.class.getClassLoader())) {
            factories.computeIfAbsent(factory.type(), t -> new TreeMap<>()).put(factory.name(), factory);
        }
    }

    public java.util.Set<String> names(Class<?> type) {
        return factories.getOrDefault(type, Map.of()).keySet();
    }

    /** The setting keys the plugin {@code name} of {@code type} accepts, or empty when there is no such plugin. */
    public java.util.Optional<java.util.Set<String>> settingKeys(Class<?> type, String name) {
        return java.util.Optional.ofNullable(factories.getOrDefault(type, Map.of()).get(name))
                .map(PluginFactory::settingKeys);
    }

    /** Creates the plugin {@code name} of {@code type}; an unknown name is an error listing the known ones. */
    public <T> T create(Class<T> type, String kind, String name, PluginContext context) {
        PluginFactory<?> factory = factories.getOrDefault(type, Map.of()).get(name);
        if (factory == null) {
            throw HydraException.invalid("unknown " + kind + " '" + name + "': known " + kind + "s are "
                    + String.join(", ", names(type)));
        }
        return type.cast(factory.create(context));
    }
}
