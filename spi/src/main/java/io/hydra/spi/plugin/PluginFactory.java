package io.hydra.spi.plugin;

import java.util.Set;

/**
 * Registers one plugin implementation under a type (the SPI interface it implements) and a short name.
 * Implementations are listed in {@code META-INF/services/io.hydra.spi.plugin.PluginFactory}; the daemon
 * selects one per type by configuration, e.g. {@code hydra.monitor=eager}.
 */
public interface PluginFactory<T> {
    /** The SPI this plugin implements, e.g. {@code MonitorStrategy.class}. */
    Class<T> type();

    /** The short name users select it by: lower case, no spaces. */
    String name();

    /**
     * The setting keys this plugin accepts under {@code hydra.plugin.<type>.<name>.}: the daemon refuses to start
     * with any other key there, naming the plugin, so a misspelt setting is never silently ignored.
     */
    default Set<String> settingKeys() {
        return Set.of();
    }

    T create(PluginContext context);
}
