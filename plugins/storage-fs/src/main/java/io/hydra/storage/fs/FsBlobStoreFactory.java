package io.hydra.storage.fs;

import io.hydra.spi.plugin.PluginContext;
import io.hydra.spi.plugin.PluginException;
import io.hydra.spi.plugin.PluginFactory;
import io.hydra.spi.storage.BlobStore;
import java.io.IOException;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.util.Set;
import java.util.TreeSet;

/**
 * The {@code fs} blob store, the default: blobs as files in a local directory.
 *
 * <p>Settings ({@code hydra.plugin.storage.fs.<key>}):
 * <ul>
 *   <li>{@code dir}: the root directory, created if missing; default: the plugin's state directory.</li>
 * </ul>
 */
public final class FsBlobStoreFactory implements PluginFactory<BlobStore> {
    static final String NAME = "fs";
    static final String DIR = "dir";
    private static final Set<String> SETTINGS = Set.of(DIR);

    @Override
    public Class<BlobStore> type() {
        return BlobStore.class;
    }

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public Set<String> settingKeys() {
        return SETTINGS;
    }

    @Override
    public BlobStore create(PluginContext context) {
        for (String key : context.config().keySet()) {
            if (!SETTINGS.contains(key)) {
                throw new IllegalArgumentException("storage 'fs': unknown setting '" + key + "' ("
                        + property(key) + "); known settings: " + new TreeSet<>(SETTINGS));
            }
        }
        Path dir = context.setting(DIR).map(FsBlobStoreFactory::parseDir).orElse(context.stateDir());
        try {
            return new FsBlobStore(dir);
        } catch (IOException e) {
            throw new PluginException("storage 'fs': cannot use directory " + dir + ": " + e, e);
        }
    }

    private static Path parseDir(String value) {
        if (value.isBlank()) {
            throw new IllegalArgumentException("storage 'fs': setting '" + DIR + "' (" + property(DIR)
                    + ") is empty");
        }
        try {
            return Path.of(value);
        } catch (InvalidPathException e) {
            throw new IllegalArgumentException("storage 'fs': setting '" + DIR + "' (" + property(DIR)
                    + ") is not a path: " + e.getMessage(), e);
        }
    }

    private static String property(String key) {
        return "hydra.plugin.storage." + NAME + "." + key;
    }
}
