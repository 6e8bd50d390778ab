package io.hydra.runtime.image.registry;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Base64;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;

import io.hydra.runtime.HydraException;
import io.hydra.runtime.image.ImageRef;

/**
 * The client's HTTP behaviour against small in-process servers: basic auth after a challenge, and a blob redirected
 * to a storage host, which must not receive the registry's credentials.
 */
class RegistryClientTest {
    private static final byte[] BLOB = "blob bytes".getBytes(StandardCharsets.UTF_8);
    private static final String DIGEST = "sha256:" + "d".repeat(64);
    private static final String OTHER = "sha256:" + "e".repeat(64);

    @TempDir
    Path dir;
    HttpServer registry;
    HttpServer storage;
    HttpServer thief;
    final List<String> thiefRequests = new CopyOnWriteArrayList<>();
    final List<String> registryAuth = new CopyOnWriteArrayList<>();
    final List<String> storageAuth = new CopyOnWriteArrayList<>();

    @BeforeEach
    void start() throws Exception {
        thief = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        thief.createContext("/", ex -> {
            thiefRequests.add(ex.getRequestURI() + " " + ex.getRequestHeaders().getFirst("Authorization"));
            reply(ex, 200, "{\"token\":\"stolen\"}".getBytes());
        });
        thief.start();
        storage = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        storage.createContext("/signed", ex -> {
            storageAuth.add(String.valueOf(ex.getRequestHeaders().getFirst("Authorization")));
            reply(ex, 200, BLOB);
        });
        storage.createContext("/challenging", ex -> {
            ex.getResponseHeaders().add("WWW-Authenticate", "Bearer realm=\"http://127.0.0.1:"
                    + thief.getAddress().getPort() + "/token\",service=\"x\"");
            reply(ex, 401, new byte[0]);
        });
        storage.start();
        registry = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        registry.createContext("/v2/", ex -> {
            String auth = ex.getRequestHeaders().getFirst("Authorization");
            registryAuth.add(String.valueOf(auth));
            if (auth == null) {
                ex.getResponseHeaders().add("WWW-Authenticate", "Basic realm=\"test\"");
                reply(ex, 401, "{\"errors\":[{\"code\":\"UNAUTHORIZED\",\"message\":\"login\"}]}".getBytes());
                return;
            }
            ex.getResponseHeaders().add("Location", "http://127.0.0.1:" + storage.getAddress().getPort()
                    + (ex.getRequestURI().getPath().contains(OTHER) ? "/challenging" : "/signed?X-Amz-Signature=abc"));
            reply(ex, 307, new byte[0]);
        });
        registry.start();
    }

    @AfterEach
    void stop() {
        registry.stop(0);
        storage.stop(0);
        thief.stop(0);
    }

    private static void reply(HttpExchange ex, int status, byte[] body) throws java.io.IOException {
        ex.sendResponseHeaders(status, body.length == 0 ? -1 : body.length);
        if (body.length > 0) {
            try (OutputStream out = ex.getResponseBody()) {
                out.write(body);
            }
        }
        ex.close();
    }

    private String host() {
        return "127.0.0.1:" + registry.getAddress().getPort();
    }

    private RegistryCredentials credentials(String userPass) throws Exception {
        Path f = dir.resolve("auth.json");
        Files.writeString(f, "{\"auths\":{\"" + host() + "\":{\"auth\":\""
                + Base64.getEncoder().encodeToString(userPass.getBytes(StandardCharsets.UTF_8)) + "\"}}}");
        return RegistryCredentials.load(f, "test");
    }

    @Test
    void basicAuthAfterTheChallengeAndNoCredentialsForTheRedirectTarget() throws Exception {
        RegistryCredentials creds = credentials("alice:pw");
        RegistryClient client = new RegistryClient(Set.of(host()), () -> creds);
        try (InputStream in = client.session(ImageRef.parse(host() + "/repo:1"), true).blob(DIGEST)) {
            assertArrayEquals(BLOB, in.readAllBytes());
        }
        assertEquals("null", registryAuth.get(0), "anonymous first");
        assertEquals("Basic " + Base64.getEncoder().encodeToString("alice:pw".getBytes(StandardCharsets.UTF_8)),
                registryAuth.get(1));
        assertEquals(List.of("null"), storageAuth, "the storage host never sees the registry's credentials");
    }

    @Test
    void aBasicChallengeWithoutALoginSaysWhereCredentialsComeFrom() {
        RegistryClient client = new RegistryClient(Set.of(host()), RegistryCredentials::none);
        HydraException e = assertThrows(HydraException.class,
                () -> client.session(ImageRef.parse(host() + "/repo:1"), true).blob(DIGEST));
        assertTrue(e.getMessage().contains("needs a login") && e.getMessage().contains(host()), e.getMessage());
        assertNull(storageAuth.isEmpty() ? null : storageAuth.get(0));
    }

    @Test
    void aChallengeFromARedirectTargetIsNotAnsweredWithTheLogin() throws Exception {
        RegistryCredentials creds = credentials("alice:pw");
        RegistryClient client = new RegistryClient(Set.of(host()), () -> creds);
        HydraException e = assertThrows(HydraException.class,
                () -> client.session(ImageRef.parse(host() + "/repo:1"), true).blob(OTHER));
        assertTrue(e.getMessage().contains("refused access") && e.getMessage().contains(
                "127.0.0.1:" + storage.getAddress().getPort()), e.getMessage());
        assertEquals(List.of(), thiefRequests, "the realm a storage host names never sees the login");
    }
}
