package io.hydra.runtime.plugin;

import java.util.HashMap;
import java.util.Map;
import java.util.ServiceLoader;
import java.util.Set;
import java.util.TreeMap;

import io.hydra.runtime.HydraException;
import io.hydra.spi.plugin.PluginContext;
import io.hydra.spi.plugin.PluginFactory;

/**
 * Every plugin on the class path, found through {@link ServiceLoader} and filed under its type and short name.
 * The core asks for a type and a name and never knows which classes answer. Two plugins of one type under one
 * name are refused: which one ran would depend on the class path's order.
 */
public final class PluginRegistry {
    private final Map<Class<?>, Map<String, PluginFactory<?>>> factories = new HashMap<>();

    public PluginRegistry() {
        this(ServiceLoader.load(PluginFactory.class, PluginRegistry.class.getClassLoader()));
    }

    @SuppressWarnings("rawtypes")
    PluginRegistry(Iterable<? extends PluginFactory> found) {
        for (PluginFactory<?> factory : found) {
            PluginFactory<?> earlier = factories.computeIfAbsent(factory.type(), t -> new TreeMap<>())
                    .putIfAbsent(factory.name(), factory);
            if (earlier != null) {
                throw new IllegalStateException("two " + factory.type().getSimpleName() + " plugins are named '"
                        + factory.name() + "': " + earlier.getClass().getName() + " and "
                        + factory.getClass().getName() + "; remove one of them from the class path");
            }
        }
    }

    public Set<String> names(Class<?> type) {
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
