package io.hydra.runtime.image.registry;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Base64;
import java.util.Iterator;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

/**
 * User names and passwords per registry host, from a file in the format {@code docker login} (and {@code podman
 * login}) writes: {@code {"auths": {"host:port": {"auth": base64("user:pass")}}}}. The file is found the way
 * podman and skopeo look for theirs: {@code $REGISTRY_AUTH_FILE}, then the daemon's {@code hydra.registries.auth-file},
 * then {@code ~/.docker/config.json} of the daemon's user. A missing file means anonymous access; a malformed one is
 * an error naming the file (a typo must not silently drop the credentials).
 */
public final class RegistryCredentials {
    /** A credentials file is small; reading stops here. */
    private static final int MAX_FILE_BYTES = 1 << 20;
    private static final ObjectMapper JSON = new ObjectMapper();

    public record Login(String username, String password) {
        @Override
        public String toString() {
            return "Login[" + username + ", password hidden]";
        }
    }

    private final Map<String, Login> byHost;
    private final String source;

    private RegistryCredentials(Map<String, Login> byHost, String source) {
        this.byHost = Map.copyOf(byHost);
        this.source = source;
    }

    public static RegistryCredentials none() {
        return new RegistryCredentials(Map.of(), "none");
    }

    /** The file that applies, in the order documented on the class; none of them existing is anonymous access. */
    public static RegistryCredentials locate(Map<String, String> env, Optional<Path> configured, Path home) {
        String fromEnv = env.get("REGISTRY_AUTH_FILE");
        if (fromEnv != null && !fromEnv.isBlank()) {
            return load(Path.of(fromEnv), "$REGISTRY_AUTH_FILE");
        }
        if (configured.isPresent()) {
            return load(configured.get(), "hydra.registries.auth-file");
        }
        Path docker = home.resolve(".docker").resolve("config.json");
        return Files.exists(docker) ? load(docker, "~/.docker/config.json") : none();
    }

    /** Reads a credentials file; a configured file that does not exist is an error, not anonymous access. */
    public static RegistryCredentials load(Path file, String setting) {
        if (!Files.isRegularFile(file)) {
            throw new IllegalStateException(setting + ": the registry credentials file " + file
                    + " does not exist or is not a regular file");
        }
        byte[] bytes;
        try (InputStream in = Files.newInputStream(file)) {
            bytes = in.readNBytes(MAX_FILE_BYTES + 1);
        } catch (IOException e) {
            throw new IllegalStateException(setting + ": cannot read the registry credentials file " + file + ": "
                    + e.getMessage(), e);
        }
        if (bytes.length > MAX_FILE_BYTES) {
            throw new IllegalStateException(setting + ": " + file + " is larger than " + MAX_FILE_BYTES
                    + " bytes; it is not a credentials file");
        }
        return new RegistryCredentials(parse(bytes, file.toString()), setting + " (" + file + ")");
    }

    static Map<String, Login> parse(byte[] bytes, String file) {
        JsonNode root;
        try {
            root = JSON.readTree(bytes);
        } catch (IOException e) {
            throw new IllegalStateException("registry credentials file " + file + " is not valid JSON: "
                    + e.getMessage());
        }
        Map<String, Login> out = new TreeMap<>();
        if (root == null || !root.isObject()) {
            throw new IllegalStateException("registry credentials file " + file + " is not a JSON object");
        }
        JsonNode auths = root.path("auths");
        if (!auths.isObject()) {
            return out;
        }
        for (Iterator<Map.Entry<String, JsonNode>> it = auths.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            JsonNode auth = e.getValue().get("auth");
            if (auth == null || auth.asText().isEmpty()) {
                // an entry without "auth" defers to a credential helper, which Hydra does not run
                continue;
            }
            String decoded;
            try {
                decoded = new String(Base64.getDecoder().decode(auth.asText().trim()), StandardCharsets.UTF_8);
            } catch (IllegalArgumentException bad) {
                throw new IllegalStateException("registry credentials file " + file + ": auths." + e.getKey()
                        + ".auth is not base64");
            }
            int colon = decoded.indexOf(':');
            if (colon <= 0) {
                throw new IllegalStateException("registry credentials file " + file + ": auths." + e.getKey()
                        + ".auth does not decode to user:password");
            }
            out.put(hostOf(e.getKey()), new Login(decoded.substring(0, colon), decoded.substring(colon + 1)));
        }
        return out;
    }

    /** Keys may be bare hosts or URLs ({@code https://index.docker.io/v1/}), as docker writes for Docker Hub. */
    static String hostOf(String key) {
        String k = key;
        int scheme = k.indexOf("://");
        if (scheme >= 0) {
            k = k.substring(scheme + 3);
        }
        int slash = k.indexOf('/');
        if (slash >= 0) {
            k = k.substring(0, slash);
        }
        if (k.equals("index.docker.io") || k.equals("registry-1.docker.io")) {
            return "docker.io";
        }
        return k;
    }

    public Optional<Login> forHost(String registry) {
        return Optional.ofNullable(byHost.get(registry));
    }

    /** Where the credentials came from, for logs and {@code hydra info}; never the secrets. */
    public String source() {
        return source;
    }
}
