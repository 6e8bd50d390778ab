package io.hydra.it;

import java.io.File;
import java.io.IOException;
import java.net.HttpURLConnection;
import java.net.ServerSocket;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A real registry for tests: Debian's {@code docker-registry} (the CNCF distribution server) started as a process
 * on 127.0.0.1 and a free port, with its storage and a generated config.yml under a temporary directory. Optionally
 * with basic auth (an htpasswd file made with {@code htpasswd -Bbn}) or token auth (see {@link #withToken}).
 */
final class RegistryServer implements AutoCloseable {
    final Path dir;
    final Path storage;
    final int port;
    private final Process process;

    private RegistryServer(Path dir, int port, String authYaml) throws Exception {
        this.dir = dir;
        this.storage = dir.resolve("storage");
        this.port = port;
        Files.createDirectories(storage);
        Path config = dir.resolve("config.yml");
        Files.writeString(config, "version: 0.1\n"
                + "log:\n  level: warn\n"
                + "storage:\n  filesystem:\n    rootdirectory: " + storage + "\n  delete:\n    enabled: true\n"
                + "http:\n  addr: 127.0.0.1:" + port + "\n"
                + authYaml);
        process = new ProcessBuilder("docker-registry", "serve", config.toString())
                .redirectErrorStream(true).redirectOutput(dir.resolve("registry.log").toFile())
                .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null"))).start();
        HydraDaemonProcess.awaitTrue(Duration.ofSeconds(20), () -> {
            if (!process.isAlive()) {
                throw new AssertionError("docker-registry exited: " + log());
            }
            return status("/v2/") > 0;
        }, "registry on port " + port);
    }

    /** An anonymous registry. */
    static RegistryServer start(String name) throws Exception {
        return new RegistryServer(Files.createTempDirectory(Path.of("/tmp"), "hydra-registry-" + name + "-"),
                freePort(), "");
    }

    /** A registry that wants basic auth for this user and password. */
    static RegistryServer withBasicAuth(String name, String user, String password) throws Exception {
        Path dir = Files.createTempDirectory(Path.of("/tmp"), "hydra-registry-" + name + "-");
        Path htpasswd = dir.resolve("htpasswd");
        Files.writeString(htpasswd, HydraDaemonProcess.sh("htpasswd", "-Bbn", user, password).trim() + "\n");
        return new RegistryServer(dir, freePort(), "auth:\n  htpasswd:\n    realm: hydra-test\n    path: " + htpasswd
                + "\n");
    }

    /**
     * A registry that wants bearer tokens from {@code realm}, signed by the key of {@code certBundle}'s certificate.
     */
    static RegistryServer withToken(String name, String realm, String service, String issuer, Path certBundle)
            throws Exception {
        Path dir = Files.createTempDirectory(Path.of("/tmp"), "hydra-registry-" + name + "-");
        return new RegistryServer(dir, freePort(), "auth:\n  token:\n    realm: " + realm + "\n    service: " + service
                + "\n    issuer: " + issuer + "\n    rootcertbundle: " + certBundle + "\n");
    }

    String host() {
        return "127.0.0.1:" + port;
    }

    /** HTTP status of a GET, or 0 when nothing answers. */
    int status(String path) {
        try {
            HttpURLConnection c = (HttpURLConnection) URI.create("http://" + host() + path).toURL().openConnection();
            c.setConnectTimeout(1000);
            c.setReadTimeout(5000);
            try {
                return c.getResponseCode();
            } finally {
                c.disconnect();
            }
        } catch (IOException e) {
            return 0;
        }
    }

    /** The registry's file holding a blob, to corrupt it. */
    Path blobData(String digest) {
        String hex = digest.substring("sha256:".length());
        return storage.resolve("docker/registry/v2/blobs/sha256").resolve(hex.substring(0, 2)).resolve(hex)
                .resolve("data");
    }

    /** Pushes an image of an OCI layout with skopeo, over plain HTTP. */
    void push(Path layout, String tag, String repoAndTag, String... creds) throws Exception {
        List<String> cmd = new ArrayList<>(List.of("skopeo", "copy", "--quiet", "--dest-tls-verify=false"));
        if (creds.length == 2) {
            cmd.addAll(List.of("--dest-creds", creds[0] + ":" + creds[1]));
        }
        cmd.addAll(List.of("oci:" + layout + ":" + tag, "docker://" + host() + "/" + repoAndTag));
        OciImages.run(cmd);
    }

    String log() {
        try {
            return Files.readString(dir.resolve("registry.log"));
        } catch (IOException e) {
            return "";
        }
    }

    static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }

    @Override
    public void close() throws Exception {
        process.destroy();
        if (!process.waitFor(10, TimeUnit.SECONDS)) {
            process.destroyForcibly().waitFor();
        }
        HydraDaemonProcess.sh("rm", "-rf", dir.toString());
    }
}
