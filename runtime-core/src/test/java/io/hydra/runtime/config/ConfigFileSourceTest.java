package io.hydra.runtime.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ConfigFileSourceTest {
    @Test
    void knownSettingsPassAndUnknownOnesAreListed() {
        List<String> unknown = ConfigFileSource.unknownKeys(List.of("hydra.root", "hydra.runtime.timeout",
                "hydra.checkpoint", "hydra.checkpoint.timeout", "hydra.checkpoint.max-concurrent",
                "hydra.plugin.storage.s3.bucket", "hydra.events.producer.security.protocol", "quarkus.log.level",
                "hydra.runtime.timeuot", "hydra.rot", "foo.bar", "hydra.tls.cert", "hydra.tls.certificate"));
        assertEquals(List.of("hydra.runtime.timeuot", "hydra.rot", "foo.bar", "hydra.tls.certificate"), unknown);
    }

    @Test
    void theRegistrySettingsAreKnown() {
        assertEquals(List.of("hydra.registries.insecur"), ConfigFileSource.unknownKeys(List.of(
                "hydra.registries.insecure", "hydra.registries.auth-file", "hydra.registries.insecur")));
    }

    @Test
    void readsAPropertiesFileStrippingValues(@TempDir Path dir) throws Exception {
        Path f = dir.resolve("hydra.properties");
        Files.writeString(f, "# comment\nhydra.node-id = n1  \nhydra.runtime.timeout:30s\n\n");
        assertEquals(Map.of("hydra.node-id", "n1", "hydra.runtime.timeout", "30s"), ConfigFileSource.read(f));
    }

    @Test
    void aMissingFileOrADirectoryIsAClearError(@TempDir Path dir) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> ConfigFileSource.read(dir.resolve("nope.properties")));
        assertTrue(e.getMessage().contains("nope.properties does not exist"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> ConfigFileSource.read(dir));
    }
}
