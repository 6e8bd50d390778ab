package io.hydra.storage.s3.testing;

import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Properties;
import java.util.TreeMap;
import org.gaul.s3proxy.BlobStores;
import org.gaul.s3proxy.S3Proxy;
import org.gaul.s3proxy.auth.AuthenticationType;
import org.gaul.s3proxy.blobstore.BlobStore;

/**
 * A real S3 server for tests: S3Proxy with its {@code filesystem} provider on a directory, listening on 127.0.0.1,
 * checking AWS v2/v4 signatures. It can be stopped and started again on the same port and directory, so a test can
 * take S3 away under a running client and bring it back with its data.
 *
 * <p>Published, alone, in this module's test-jar. Users add, with test scope, {@code io.hydra:hydra-storage-s3} of
 * type {@code test-jar} (version {@code ${project.version}}: the parent manages the plain jar only) and
 * {@code org.gaul:s3proxy:4.1.0}, and a {@code logback-test.xml} at WARN (S3Proxy logs at DEBUG otherwise). Then:
 * <pre>{@code
 * S3ProxyServer s3 = S3ProxyServer.start(tempDir);
 * s3.createBucket("hydra");
 * s3.daemonProperties("hydra");   // hydra.plugin.storage.s3.endpoint=..., bucket, access-key, secret-key
 * s3.stop(); s3.restart();         // same port, same data
 * }</pre>
 */
public final class S3ProxyServer implements AutoCloseable {
    public static final String ACCESS_KEY = "hydra-test-access";
    public static final String SECRET_KEY = "hydra-test-secret-0123456789";

    private final Path baseDir;
    private int port;
    private BlobStore blobStore;
    private S3Proxy proxy;

    private S3ProxyServer(Path baseDir, int port) {
        this.baseDir = baseDir;
        this.port = port;
    }

    /** Starts a server keeping its buckets under {@code baseDir}, on a free port. */
    public static S3ProxyServer start(Path baseDir) throws IOException {
        return start(baseDir, 0);
    }

    /** Starts a server keeping its buckets under {@code baseDir}, on the given port (0: a free one). */
    public static S3ProxyServer start(Path baseDir, int port) throws IOException {
        S3ProxyServer server = new S3ProxyServer(baseDir.toAbsolutePath(), port);
        server.startProxy();
        return server;
    }

    /** {@code http://127.0.0.1:PORT}, the same across restarts. */
    public synchronized String endpoint() {
        return "http://127.0.0.1:" + port;
    }

    public URI endpointUri() {
        return URI.create(endpoint());
    }

    public synchronized int port() {
        return port;
    }

    public Path baseDir() {
        return baseDir;
    }

    public String accessKey() {
        return ACCESS_KEY;
    }

    public String secretKey() {
        return SECRET_KEY;
    }

    public synchronized boolean running() {
        return proxy != null;
    }

    /** The settings of an {@code s3} store on this server ({@code hydra.plugin.storage.s3.<key>} without prefix). */
    public Map<String, String> storeSettings(String bucket) {
        return Map.of("endpoint", endpoint(), "bucket", bucket, "access-key", ACCESS_KEY, "secret-key", SECRET_KEY);
    }

    /** The same as daemon configuration properties, e.g. {@code hydra.plugin.storage.s3.endpoint}. */
    public Map<String, String> daemonProperties(String bucket) {
        Map<String, String> properties = new TreeMap<>();
        storeSettings(bucket).forEach((key, value) -> properties.put("hydra.plugin.storage.s3." + key, value));
        return properties;
    }

    /** Creates the bucket if it does not exist yet (works while the server is running). */
    public synchronized void createBucket(String bucket) {
        if (blobStore == null) {
            throw new IllegalStateException("S3ProxyServer is stopped");
        }
        if (!blobStore.containerExists(bucket)) {
            blobStore.createContainer(bucket);
        }
    }

    public synchronized boolean bucketExists(String bucket) {
        if (blobStore == null) {
            throw new IllegalStateException("S3ProxyServer is stopped");
        }
        return blobStore.containerExists(bucket);
    }

    /** Stops listening; clients then get connection refused. The directory keeps the data. Quiet when stopped. */
    public synchronized void stop() {
        if (proxy == null) {
            return;
        }
        try {
            proxy.stop();
        } catch (Exception e) {
            throw new IllegalStateException("S3Proxy did not stop", e);
        } finally {
            proxy = null;
            blobStore.close();
            blobStore = null;
        }
    }

    /** Starts again on the same port and directory, after {@link #stop()}. Quiet when running. */
    public synchronized void restart() throws IOException {
        if (proxy == null) {
            startProxy();
        }
    }

    @Override
    public void close() {
        stop();
    }

    private synchronized void startProxy() throws IOException {
        Files.createDirectories(baseDir);
        Properties properties = new Properties();
        properties.setProperty("jclouds.filesystem.basedir", baseDir.toString());
        properties.setProperty("jclouds.identity", ACCESS_KEY);
        properties.setProperty("jclouds.credential", SECRET_KEY);
        BlobStore store = BlobStores.create("filesystem", properties);
        S3Proxy started = S3Proxy.builder()
                .blobStore(store)
                .endpoint(URI.create(endpoint()))
                .awsAuthentication(AuthenticationType.AWS_V2_OR_V4, ACCESS_KEY, SECRET_KEY)
                // a stopped server must refuse connections at once, not drain for the default 30 s
                .stopTimeout(0)
                .build();
        try {
            started.start();
            awaitStarted(started);
        } catch (Exception e) {
            store.close();
            throw new IOException("S3Proxy did not start on " + endpoint() + ": " + e.getMessage(), e);
        }
        // with port 0 Jetty picked one; restarts reuse it so clients keep their endpoint
        port = started.getPort();
        blobStore = store;
        proxy = started;
    }

    /** start() returns before Jetty listens. */
    private static void awaitStarted(S3Proxy started) throws InterruptedException, IOException {
        long deadline = System.nanoTime() + 30_000_000_000L;
        while (!"STARTED".equals(started.getState())) {
            if (System.nanoTime() > deadline) {
                throw new IOException("state is still " + started.getState() + " after 30 s");
            }
            Thread.sleep(10);
        }
    }
}
