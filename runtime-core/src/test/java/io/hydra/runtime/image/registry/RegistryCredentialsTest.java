package io.hydra.runtime.image.registry;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Base64;
import java.util.Map;
import java.util.Optional;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class RegistryCredentialsTest {
    @TempDir
    Path dir;

    private static String auth(String userPass) {
        return Base64.getEncoder().encodeToString(userPass.getBytes(StandardCharsets.UTF_8));
    }

    private Path file(String name, String json) throws Exception {
        Path f = dir.resolve(name);
        Files.writeString(f, json);
        return f;
    }

    @Test
    void readsTheFormatDockerLoginWrites() throws Exception {
        Path f = file("auth.json", "{\"auths\":{\"127.0.0.1:5000\":{\"auth\":\"" + auth("alice:s3:cret") + "\"},"
                + "\"https://index.docker.io/v1/\":{\"auth\":\"" + auth("bob:pw") + "\"},"
                + "\"helper.example\":{}},\"credsStore\":\"desktop\"}");
        RegistryCredentials c = RegistryCredentials.load(f, "test");
        assertEquals(new RegistryCredentials.Login("alice", "s3:cret"), c.forHost("127.0.0.1:5000").orElseThrow());
        assertEquals("bob", c.forHost("docker.io").orElseThrow().username());
        assertTrue(c.forHost("helper.example").isEmpty());
        assertTrue(c.forHost("other:5000").isEmpty());
        assertTrue(!c.forHost("127.0.0.1:5000").get().toString().contains("s3:cret"));
    }

    @Test
    void looksAtTheEnvironmentThenTheSettingThenDockersFile() throws Exception {
        Path env = file("env.json", "{\"auths\":{\"e:1\":{\"auth\":\"" + auth("e:e") + "\"}}}");
        Path set = file("set.json", "{\"auths\":{\"s:1\":{\"auth\":\"" + auth("s:s") + "\"}}}");
        Path home = dir.resolve("home");
        Files.createDirectories(home.resolve(".docker"));
        Files.writeString(home.resolve(".docker/config.json"), "{\"auths\":{\"d:1\":{\"auth\":\"" + auth("d:d")
                + "\"}}}");
        assertTrue(RegistryCredentials.locate(Map.of("REGISTRY_AUTH_FILE", env.toString()), Optional.of(set), home)
                .forHost("e:1").isPresent());
        RegistryCredentials fromSetting = RegistryCredentials.locate(Map.of(), Optional.of(set), home);
        assertTrue(fromSetting.forHost("s:1").isPresent());
        assertTrue(fromSetting.source().contains("hydra.registries.auth-file"));
        assertTrue(RegistryCredentials.locate(Map.of(), Optional.empty(), home).forHost("d:1").isPresent());
        assertTrue(RegistryCredentials.locate(Map.of(), Optional.empty(), dir.resolve("nohome"))
                .forHost("d:1").isEmpty());
    }

    @Test
    void aMalformedOrMissingConfiguredFileIsAnErrorNamingIt() throws Exception {
        Path notJson = file("bad.json", "{nope");
        IllegalStateException e = assertThrows(IllegalStateException.class,
                () -> RegistryCredentials.load(notJson, "hydra.registries.auth-file"));
        assertTrue(e.getMessage().contains(notJson.toString()), e.getMessage());
        Path notBase64 = file("b64.json", "{\"auths\":{\"h\":{\"auth\":\"%%%\"}}}");
        e = assertThrows(IllegalStateException.class, () -> RegistryCredentials.load(notBase64, "x"));
        assertTrue(e.getMessage().contains("auths.h.auth is not base64"), e.getMessage());
        Path noColon = file("nc.json", "{\"auths\":{\"h\":{\"auth\":\"" + auth("justuser") + "\"}}}");
        e = assertThrows(IllegalStateException.class, () -> RegistryCredentials.load(noColon, "x"));
        assertTrue(e.getMessage().contains("user:password"), e.getMessage());
        e = assertThrows(IllegalStateException.class,
                () -> RegistryCredentials.load(dir.resolve("absent.json"), "$REGISTRY_AUTH_FILE"));
        assertTrue(e.getMessage().contains("$REGISTRY_AUTH_FILE"), e.getMessage());
    }

    @Test
    void parsesChallenges() {
        AuthChallenge c = AuthChallenge.parse("Bearer realm=\"https://auth.example/token\",service=\"reg,istry\","
                + "scope=\"repository:a/b:pull\"");
        assertEquals("bearer", c.scheme());
        assertEquals("https://auth.example/token", c.params().get("realm"));
        assertEquals("reg,istry", c.params().get("service"));
        assertEquals("repository:a/b:pull", c.params().get("scope"));
        assertEquals("basic", AuthChallenge.parse("Basic realm=\"Registry Realm\"").scheme());
        assertThrows(IllegalArgumentException.class, () -> AuthChallenge.parse(null));
    }
}
