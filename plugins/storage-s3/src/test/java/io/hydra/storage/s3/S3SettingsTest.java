package io.hydra.storage.s3;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.hydra.spi.plugin.PluginContext;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class S3SettingsTest {
    @TempDir
    Path temp;

    static Map<String, String> minimal() {
        return new HashMap<>(Map.of("endpoint", "http://127.0.0.1:9000", "bucket", "hydra",
                "access-key", "AKID", "secret-key", "s3cr3t"));
    }

    S3Settings parse(Map<String, String> config) {
        return S3Settings.from(new PluginContext("node", temp, config));
    }

    void assertRefused(Map<String, String> config, String setting, String... more) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> parse(config));
        assertTrue(e.getMessage().contains("'" + setting + "'"), e.getMessage());
        assertTrue(e.getMessage().contains("hydra.plugin.storage.s3." + setting), e.getMessage());
        for (String text : more) {
            assertTrue(e.getMessage().contains(text), e.getMessage());
        }
    }

    @Test
    void defaults() {
        S3Settings settings = parse(minimal());
        assertEquals("http://127.0.0.1:9000", settings.endpoint().toString());
        assertEquals("us-east-1", settings.region());
        assertEquals("hydra", settings.bucket());
        assertEquals("", settings.prefix());
        assertEquals(16L * 1024 * 1024, settings.partSize());
        assertFalse(settings.createBucket());
    }

    @Test
    void everySetting() {
        Map<String, String> config = minimal();
        config.putAll(Map.of("endpoint", "https://s3.eu-west-1.amazonaws.com/", "region", "eu-west-1",
                "prefix", "cluster-a/", "part-size", "64MiB", "create-bucket", "true"));
        S3Settings settings = parse(config);
        assertEquals("https://s3.eu-west-1.amazonaws.com", settings.endpoint().toString());
        assertEquals("eu-west-1", settings.region());
        assertEquals("cluster-a/", settings.prefix());
        assertEquals(64L * 1024 * 1024, settings.partSize());
        assertTrue(settings.createBucket());
    }

    @Test
    void requiredSettings() {
        for (String key : new String[] {"endpoint", "bucket", "access-key", "secret-key"}) {
            Map<String, String> config = minimal();
            config.remove(key);
            assertRefused(config, key, "required");
            config.put(key, " ");
            assertRefused(config, key);
        }
    }

    @Test
    void unknownSettingIsNamed() {
        Map<String, String> config = minimal();
        config.put("secret", "typo");
        assertRefused(config, "secret", "unknown", "secret-key-file");
    }

    @Test
    void keysFromFiles() throws Exception {
        Path access = Files.writeString(temp.resolve("access"), "AKID-FILE\n");
        Path secret = Files.writeString(temp.resolve("secret"), "  from-file \n");
        Map<String, String> config = minimal();
        config.remove("access-key");
        config.remove("secret-key");
        config.put("access-key-file", access.toString());
        config.put("secret-key-file", secret.toString());
        S3Settings settings = parse(config);
        assertEquals("AKID-FILE", settings.accessKey());
        assertEquals("from-file", settings.secretKey());

        config.put("secret-key", "both");
        assertRefused(config, "secret-key", "both set");
        config.remove("secret-key");
        config.put("secret-key-file", temp.resolve("missing").toString());
        assertRefused(config, "secret-key-file", "cannot be read");
        config.put("secret-key-file", Files.writeString(temp.resolve("empty"), "\n").toString());
        assertRefused(config, "secret-key-file", "empty");
    }

    @Test
    void secretNeverPrinted() {
        assertFalse(parse(minimal()).toString().contains("s3cr3t"));
    }

    @Test
    void badEndpoints() {
        for (String bad : new String[] {"127.0.0.1:9000", "ftp://host", "http://", "http://host/bucket",
                "http://user:pw@host", "http://host?x=1", "not a url"}) {
            Map<String, String> config = minimal();
            config.put("endpoint", bad);
            assertRefused(config, "endpoint");
        }
    }

    @Test
    void badBuckets() {
        for (String bad : new String[] {"ab", "UPPER", "under_score", "-dash", "dots..twice", "a".repeat(64)}) {
            Map<String, String> config = minimal();
            config.put("bucket", bad);
            assertRefused(config, "bucket");
        }
    }

    @Test
    void prefixes() {
        Map<String, String> config = minimal();
        config.put("prefix", "clusters/east");
        assertEquals("clusters/east/", parse(config).prefix());
        config.put("prefix", "/");
        assertEquals("", parse(config).prefix());
        for (String bad : new String[] {"../up", "/abs", "a//b", ".hidden"}) {
            config.put("prefix", bad);
            assertRefused(config, "prefix");
        }
    }

    @Test
    void partSizes() {
        assertEquals(5L << 20, S3Settings.partSize("5MiB"));
        assertEquals(5L << 20, S3Settings.partSize("5m"));
        assertEquals(8L << 20, S3Settings.partSize("8192KiB"));
        assertEquals(1L << 30, S3Settings.partSize("1G"));
        assertEquals(16L << 20, S3Settings.partSize("16777216"));
        for (String bad : new String[] {"4MiB", "6GiB", "lots", "-5MiB", "99999999999999999999"}) {
            Map<String, String> config = minimal();
            config.put("part-size", bad);
            assertRefused(config, "part-size");
        }
    }

    @Test
    void createBucketMustBeABoolean() {
        Map<String, String> config = minimal();
        config.put("create-bucket", "yes");
        assertRefused(config, "create-bucket", "true or false");
    }

    @Test
    void badRegion() {
        Map<String, String> config = minimal();
        config.put("region", "Europe West");
        assertRefused(config, "region");
    }
}
