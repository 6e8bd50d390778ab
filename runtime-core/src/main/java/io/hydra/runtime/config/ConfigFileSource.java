package io.hydra.runtime.config;

import java.io.IOException;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.Map;
import java.util.OptionalInt;
import java.util.Properties;
import java.util.Set;
import java.util.TreeMap;

import org.eclipse.microprofile.config.spi.ConfigSource;

import io.hydra.runtime.HydraConfig;
import io.smallrye.config.ConfigMappings;
import io.smallrye.config.ConfigSourceContext;
import io.smallrye.config.ConfigSourceFactory;
import io.smallrye.config.ConfigValue;
import io.smallrye.config.PropertiesConfigSource;
import io.smallrye.config.PropertyNamesMatcher;

/**
 * {@code hydra daemon --config FILE}: the properties file named by {@code hydra.config}, as a config source below
 * system properties and the environment (so a flag overrides the file) and above the packaged defaults.
 *
 * <p>Every key of the file must be a setting the daemon knows: a misspelt key silently ignored would leave the
 * daemon running on a default the operator meant to change. Plugin settings ({@code hydra.plugin.TYPE.NAME.KEY})
 * pass here and are checked against each plugin's declared keys by {@link PluginSettingsCheck}.
 */
public final class ConfigFileSource implements ConfigSourceFactory {
    public static final String PROPERTY = "hydra.config";
    /** Between the environment (300) and application.properties (250). */
    static final int ORDINAL = 275;

    @Override
    public Iterable<ConfigSource> getConfigSources(ConfigSourceContext context) {
        ConfigValue location = context.getValue(PROPERTY);
        if (location == null || location.getValue() == null || location.getValue().isBlank()) {
            return List.of();
        }
        Path file = Path.of(location.getValue().strip());
        Map<String, String> settings = read(file);
        List<String> unknown = unknownKeys(settings.keySet());
        if (!unknown.isEmpty()) {
            throw new IllegalArgumentException("config file " + file + ": unknown setting"
                    + (unknown.size() > 1 ? "s " : " ") + String.join(", ", unknown)
                    + " (hydra daemon --help lists the settings; plugin settings are hydra.plugin.TYPE.NAME.KEY)");
        }
        return List.of(new PropertiesConfigSource(settings, "hydra config file " + file, ORDINAL));
    }

    @Override
    public OptionalInt getPriority() {
        return OptionalInt.of(ORDINAL);
    }

    static Map<String, String> read(Path file) {
        if (!Files.isRegularFile(file)) {
            throw new IllegalArgumentException("config file " + file + " does not exist or is not a regular file");
        }
        refuseUntrusted(file);
        Properties properties = new Properties();
        try (Reader in = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
            properties.load(in);
        } catch (IOException | IllegalArgumentException e) {
            throw new IllegalArgumentException("config file " + file + " cannot be read: " + e.getMessage(), e);
        }
        Map<String, String> settings = new TreeMap<>();
        properties.forEach((k, v) -> settings.put(((String) k).strip(), ((String) v).strip()));
        return settings;
    }

    /**
     * The file names executables the daemon runs as root (the runtime, conmon, criu): one that another user owns or
     * may write would let that user choose them. So it must belong to root or to the daemon's own user, and neither
     * its group nor others may write it.
     */
    static void refuseUntrusted(Path file) {
        int owner;
        Set<PosixFilePermission> permissions;
        int self;
        try {
            owner = (Integer) Files.getAttribute(file, "unix:uid");
            permissions = Files.getPosixFilePermissions(file);
            // /proc/self belongs to the user the process runs as
            self = (Integer) Files.getAttribute(Path.of("/proc/self"), "unix:uid");
        } catch (IOException | UnsupportedOperationException e) {
            throw new IllegalArgumentException("config file " + file + ": cannot check its owner and permissions: "
                    + e.getMessage(), e);
        }
        if (owner != 0 && owner != self) {
            throw new IllegalArgumentException("config file " + file + " is owned by uid " + owner
                    + ", not by root or the daemon's user (uid " + self + "): it names executables run as root,"
                    + " so only root may own it");
        }
        if (permissions.contains(PosixFilePermission.GROUP_WRITE)
                || permissions.contains(PosixFilePermission.OTHERS_WRITE)) {
            throw new IllegalArgumentException("config file " + file + " is writable by "
                    + (permissions.contains(PosixFilePermission.OTHERS_WRITE) ? "everyone" : "its group") + " ("
                    + PosixFilePermissions.toString(permissions) + "): it names executables run as root; make it"
                    + " writable by its owner only (chmod go-w)");
        }
    }

    /** Keys the file may not hold: anything outside hydra.* and quarkus.*, and hydra.* keys no setting maps. */
    static List<String> unknownKeys(Iterable<String> keys) {
        PropertyNamesMatcher known = ConfigMappings.propertyNamesMatcher(
                List.of(ConfigMappings.ConfigClass.configClass(HydraConfig.class, "hydra")));
        List<String> unknown = new java.util.ArrayList<>();
        for (String key : keys) {
            boolean ok = key.startsWith("quarkus.") || key.startsWith("hydra.") && known.matches(key);
            if (!ok) {
                unknown.add(key);
            }
        }
        return unknown;
    }
}
