package io.hydra.storage.s3;

import io.hydra.spi.storage.testing.BlobStoreContract;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.hydra.spi.plugin.PluginContext;
import io.hydra.spi.plugin.PluginException;
import io.hydra.spi.plugin.PluginFactory;
import io.hydra.spi.storage.BlobStore;
import io.hydra.storage.s3.testing.S3ProxyServer;
import io.minio.ListMultipartUploadsArgs;
import io.minio.MinioAsyncClient;
import io.minio.MinioClient;
import io.minio.PutObjectArgs;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.ServiceLoader;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The contract and the S3 specifics against a real S3 server (S3Proxy), one server for the class. */
class S3BlobStoreTest extends BlobStoreContract {
    static final String BUCKET = "hydra-test";
    private static final AtomicInteger PREFIXES = new AtomicInteger();

    @TempDir
    static Path serverDir;
    static S3ProxyServer server;

    @TempDir
    Path temp;
    S3BlobStore store;

    @BeforeAll
    static void startServer() throws IOException {
        server = S3ProxyServer.start(serverDir);
        server.createBucket(BUCKET);
    }

    @AfterAll
    static void stopServer() {
        server.stop();
    }

    /** Each test gets its own prefix in the shared bucket: an empty store, and the prefix mapping tested throughout. */
    @BeforeEach
    void openStore() {
        store = open(Map.of("prefix", "test-" + PREFIXES.incrementAndGet()));
    }

    @AfterEach
    void closeStore() {
        store.close();
    }

    @Override
    protected BlobStore store() {
        return store;
    }

    static Map<String, String> settings(Map<String, String> overrides) {
        Map<String, String> settings = new HashMap<>(Map.of("endpoint", server.endpoint(), "bucket", BUCKET,
                "access-key", server.accessKey(), "secret-key", server.secretKey()));
        settings.putAll(overrides);
        return settings;
    }

    static S3BlobStore open(Map<String, String> overrides) {
        return (S3BlobStore) new S3BlobStoreFactory().create(new PluginContext("node-1", Path.of("/nonexistent"),
                settings(overrides)));
    }

    static MinioClient rawClient() {
        return MinioClient.builder().endpoint(server.endpoint()).region("us-east-1")
                .credentials(server.accessKey(), server.secretKey()).build();
    }

    @Test
    void blobsAreKeysUnderThePrefixAndPrefixesIsolateStores() throws Exception {
        try (S3BlobStore clusterA = open(Map.of("prefix", "iso-a/")); S3BlobStore clusterB = open(Map.of(
                "prefix", "iso-b")); S3BlobStore whole = open(Map.of())) {
            clusterA.put("ckpt/1", bytes("a"), 1, false);
            clusterB.put("ckpt/1", bytes("bb"), 2, false);
            assertEquals("a", read(clusterA, "ckpt/1"));
            assertEquals("bb", read(clusterB, "ckpt/1"));
            assertEquals(List.of("ckpt/1"), names(clusterA.list("")));
            assertEquals(List.of("iso-a/ckpt/1", "iso-b/ckpt/1"), names(whole.list("iso-")));
            clusterA.delete("ckpt/1");
            assertTrue(clusterB.stat("ckpt/1").isPresent());
        }
    }

    @Test
    void objectsWithNamesNoStoreCouldAddressAreNotListed() throws Exception {
        String prefix = "foreign-" + PREFIXES.incrementAndGet();
        try (S3BlobStore foreign = open(Map.of("prefix", prefix))) {
            byte[] data = {1};
            rawClient().putObject(PutObjectArgs.builder().bucket(BUCKET).object(prefix + "/has space")
                    .stream(new ByteArrayInputStream(data), 1L, -1L).build());
            foreign.put("fine", bytes("1"), 1, false);
            assertEquals(List.of("fine"), names(foreign.list("")));
        }
    }

    @Test
    void conditionalMultipartUploadCreatesOnce() throws Exception {
        try (S3BlobStore small = open(Map.of("prefix", "mp-" + PREFIXES.incrementAndGet(), "part-size", "5MiB"))) {
            long length = 6L * MIB;
            assertTrue(small.put("big", new PatternStream(length, 1), length, true));
            assertFalse(small.put("big", new PatternStream(length, 2), length, true));
            assertArrayEquals(new PatternStream(length, 1), small.get("big"));
        }
    }

    /**
     * The loser of a race has already passed the existence check, so the server's condition decides: single PUT and
     * multipart complete both answer 412, the loser gets false, its parts are aborted, the winner's bytes stay.
     */
    @Test
    void theServerConditionDecidesARaceAfterTheExistenceCheck() throws Exception {
        try (S3BlobStore small = open(Map.of("prefix", "late-" + PREFIXES.incrementAndGet(), "part-size", "5MiB"))) {
            for (long length : new long[] {1000, 6L * MIB}) {
                String name = "late-" + length;
                CountDownLatch loserReading = new CountDownLatch(1);
                CountDownLatch winnerDone = new CountDownLatch(1);
                // the loser reads its bytes only after its existence check, and they flow once the winner has won
                InputStream loserContent = new PatternStream(length, 9) {
                    @Override
                    public int read(byte[] b, int off, int len) throws IOException {
                        loserReading.countDown();
                        try {
                            winnerDone.await(30, TimeUnit.SECONDS);
                        } catch (InterruptedException e) {
                            throw new IOException(e);
                        }
                        return super.read(b, off, len);
                    }
                };
                CompletableFuture<Boolean> loser = CompletableFuture.supplyAsync(() -> {
                    try {
                        return small.put(name, loserContent, length, true);
                    } catch (IOException e) {
                        throw new RuntimeException(e);
                    }
                });
                assertTrue(loserReading.await(30, TimeUnit.SECONDS));
                assertTrue(small.put(name, new PatternStream(length, 8), length, true));
                winnerDone.countDown();
                assertFalse(loser.get(60, TimeUnit.SECONDS), "the loser of " + name + " was told it won");
                assertArrayEquals(new PatternStream(length, 8), small.get(name));
            }
        }
        assertEquals(List.of(), pendingMultipartUploads());
    }

    @Test
    void failedMultipartUploadsAreAborted() throws Exception {
        try (S3BlobStore small = open(Map.of("prefix", "abort-" + PREFIXES.incrementAndGet(), "part-size", "5MiB"))) {
            // the first 5 MiB part is uploaded before the stream turns out short or long
            long length = 6L * MIB;
            assertThrows(IOException.class, () -> small.put("short", new PatternStream(length - 1, 1), length, false));
            assertThrows(IOException.class, () -> small.put("short", new PatternStream(length - 1, 1), length, true));
            assertThrows(IOException.class, () -> small.put("long", new PatternStream(length + 1, 1), length, true));
            assertThrows(IOException.class, () -> small.put("long", new PatternStream(length + 1, 1), length, false));
            assertEquals(List.of(), small.list(""));
        }
        assertEquals(List.of(), pendingMultipartUploads());
    }

    @Test
    void factoryIsFoundByName() {
        PluginFactory<?> factory = ServiceLoader.load(PluginFactory.class).stream()
                .map(ServiceLoader.Provider::get)
                .filter(f -> f.type() == BlobStore.class && f.name().equals("s3"))
                .findFirst().orElseThrow();
        assertEquals(S3BlobStoreFactory.class, factory.getClass());
    }

    @Test
    void wrongSecretIsAClearErrorAtCreationAndOnUse() throws Exception {
        long start = System.nanoTime();
        PluginException atCreation = assertThrows(PluginException.class,
                () -> open(Map.of("secret-key", "not-the-secret")));
        assertAuthError(atCreation.getMessage());

        S3Settings wrong = S3Settings.from(new PluginContext("n", temp, settings(Map.of("secret-key", "nope"))));
        try (S3BlobStore unchecked = new S3BlobStore(wrong)) {
            IOException onPut = assertThrows(IOException.class, () -> unchecked.put("x", bytes("1"), 1, false));
            assertAuthError(onPut.getMessage());
            assertAuthError(assertThrows(IOException.class, () -> unchecked.get("x")).getMessage());
            assertAuthError(assertThrows(IOException.class, () -> unchecked.list("")).getMessage());
        }
        // refused at once: an auth error is not retried
        assertTrue(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start) < 5_000);
    }

    private static void assertAuthError(String message) {
        assertTrue(message.contains("S3 refused the credentials for bucket '" + BUCKET + "' at " + server.endpoint()),
                message);
        assertTrue(message.contains("SignatureDoesNotMatch") || message.contains("AccessDenied"), message);
    }

    @Test
    void unknownAccessKeyIsAClearError() {
        PluginException e = assertThrows(PluginException.class, () -> open(Map.of("access-key", "nobody")));
        assertTrue(e.getMessage().contains("S3 refused the credentials"), e.getMessage());
    }

    @Test
    void missingBucketFailsCreationUnlessAskedToCreateIt() throws Exception {
        String bucket = "missing-" + PREFIXES.incrementAndGet();
        PluginException e = assertThrows(PluginException.class, () -> open(Map.of("bucket", bucket)));
        assertTrue(e.getMessage().contains("bucket '" + bucket + "' does not exist at " + server.endpoint()),
                e.getMessage());
        assertTrue(e.getMessage().contains("hydra.plugin.storage.s3.create-bucket=true"), e.getMessage());
        assertFalse(server.bucketExists(bucket));

        try (S3BlobStore created = open(Map.of("bucket", bucket, "create-bucket", "true"))) {
            assertTrue(server.bucketExists(bucket));
            created.put("x", bytes("1"), 1, false);
        }
        // and a second node finds it there
        open(Map.of("bucket", bucket, "create-bucket", "true")).close();
    }

    @Test
    void keysCanComeFromFiles() throws Exception {
        Path access = temp.resolve("access");
        Path secret = temp.resolve("secret");
        java.nio.file.Files.writeString(access, server.accessKey() + "\n");
        java.nio.file.Files.writeString(secret, server.secretKey() + "\n");
        Map<String, String> settings = settings(Map.of("access-key-file", access.toString(),
                "secret-key-file", secret.toString()));
        settings.remove("access-key");
        settings.remove("secret-key");
        try (BlobStore fromFiles = new S3BlobStoreFactory().create(new PluginContext("n", temp, settings))) {
            fromFiles.put("files/x", bytes("1"), 1, false);
        }
    }

    private static List<String> pendingMultipartUploads() throws Exception {
        MinioAsyncClient client = MinioAsyncClient.builder().endpoint(server.endpoint()).region("us-east-1")
                .credentials(server.accessKey(), server.secretKey()).build();
        return client.listMultipartUploads(ListMultipartUploadsArgs.builder().bucket(BUCKET).build()).get()
                .result().uploads().stream().map(u -> u.objectName()).toList();
    }

    private static void assertArrayEquals(InputStream expected, InputStream actual) throws IOException {
        try (actual) {
            org.junit.jupiter.api.Assertions.assertArrayEquals(sha256(expected), sha256(actual));
        }
    }
}
