package io.hydra.it.cluster;

import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Properties;

import org.gaul.s3proxy.BlobStores;
import org.gaul.s3proxy.S3Proxy;
import org.gaul.s3proxy.auth.AuthenticationType;
import org.gaul.s3proxy.blobstore.BlobStore;

/**
 * A real S3 server (S3Proxy, filesystem provider) listening on the hub address, so nodes in namespaces reach it
 * (the storage plugin's S3ProxyServer binds 127.0.0.1 only). Buckets are directories under {@link #baseDir()}: a
 * test can corrupt a stored chunk there. Every node shares one manifest key file.
 */
final class HubS3 implements AutoCloseable {
    static final String ACCESS_KEY = "hydra-test-access";
    static final String SECRET_KEY = "hydra-test-secret-0123456789";
    static final String BUCKET = "hydra-cluster";

    private final Path baseDir;
    private final Path manifestKey;
    private final String endpoint;
    private final BlobStore store;
    private final S3Proxy proxy;

    private HubS3(Path baseDir, Path manifestKey, String endpoint, BlobStore store, S3Proxy proxy) {
        this.baseDir = baseDir;
        this.manifestKey = manifestKey;
        this.endpoint = endpoint;
        this.store = store;
        this.proxy = proxy;
    }

    static HubS3 start(Path dir, String host) throws Exception {
        Path baseDir = dir.resolve("s3");
        Files.createDirectories(baseDir);
        Path key = dir.resolve("manifest.key");
        Files.writeString(key, "a-shared-manifest-key-for-cluster-tests");
        Properties properties = new Properties();
        properties.setProperty("jclouds.filesystem.basedir", baseDir.toString());
        properties.setProperty("jclouds.identity", ACCESS_KEY);
        properties.setProperty("jclouds.credential", SECRET_KEY);
        BlobStore store = BlobStores.create("filesystem", properties);
        int port = freePort(host);
        String endpoint = "http://" + host + ":" + port;
        S3Proxy proxy = S3Proxy.builder().blobStore(store).endpoint(URI.create(endpoint))
                .awsAuthentication(AuthenticationType.AWS_V2_OR_V4, ACCESS_KEY, SECRET_KEY).stopTimeout(0).build();
        proxy.start();
        long deadline = System.nanoTime() + 30_000_000_000L;
        while (!"STARTED".equals(proxy.getState())) {
            if (System.nanoTime() > deadline) {
                throw new IOException("S3Proxy did not start on " + endpoint + ": " + proxy.getState());
            }
            Thread.sleep(10); // Jetty offers no start-up callback here
        }
        store.createContainer(BUCKET);
        return new HubS3(baseDir, key, endpoint, store, proxy);
    }

    String endpoint() {
        return endpoint;
    }

    /** The bucket's directory: {@code manifests/<id>/<version>.json}, {@code packs/<pack>}. */
    Path bucketDir() {
        return baseDir.resolve(BUCKET);
    }

    Path manifestKey() {
        return manifestKey;
    }

    /** The daemon properties of an s3 store on this server, as S3DaemonSettings writes them. */
    List<String> daemonProperties() {
        return List.of("hydra.storage=s3", "hydra.checkpoint.key=" + manifestKey,
                "hydra.plugin.storage.s3.create-bucket=true", "hydra.plugin.storage.s3.endpoint=" + endpoint,
                "hydra.plugin.storage.s3.bucket=" + BUCKET, "hydra.plugin.storage.s3.access-key=" + ACCESS_KEY,
                "hydra.plugin.storage.s3.secret-key=" + SECRET_KEY);
    }

    private static int freePort(String host) throws IOException {
        try (java.net.ServerSocket s = new java.net.ServerSocket(0, 1, java.net.InetAddress.getByName(host))) {
            return s.getLocalPort();
        }
    }

    @Override
    public void close() throws Exception {
        proxy.stop();
        store.close();
    }
}
