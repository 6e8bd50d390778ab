package io.hydra.storage.s3;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.hydra.spi.plugin.PluginContext;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.Response;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Which failures are retried, how often, and how long that takes: against a scripted HTTP server. */
class TransientRetryTest {
    private HttpServer server;
    private final Deque<int[]> script = new ArrayDeque<>();
    private final Deque<String> bodies = new ArrayDeque<>();
    private final AtomicInteger requests = new AtomicInteger();
    private OkHttpClient client;

    @BeforeEach
    void start() throws IOException {
        server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        server.createContext("/", this::answer);
        server.start();
        client = new OkHttpClient.Builder()
                .addInterceptor(new TransientRetryInterceptor(3, Duration.ofMillis(50), Duration.ofMillis(200)))
                .build();
    }

    @AfterEach
    void stop() {
        server.stop(0);
    }

    private synchronized void answer(HttpExchange exchange) throws IOException {
        requests.incrementAndGet();
        exchange.getRequestBody().readAllBytes();
        int status = script.isEmpty() ? 200 : script.poll()[0];
        String body = bodies.isEmpty() ? "" : bodies.poll();
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        exchange.getResponseHeaders().add("Content-Type", "application/xml");
        exchange.sendResponseHeaders(status, bytes.length == 0 ? -1 : bytes.length);
        try (OutputStream out = exchange.getResponseBody()) {
            out.write(bytes);
        }
    }

    private void respond(int status, String body) {
        script.add(new int[] {status});
        bodies.add(body);
    }

    private int call() throws IOException {
        Request request = new Request.Builder().url("http://127.0.0.1:" + server.getAddress().getPort() + "/b/k")
                .put(okhttp3.RequestBody.create("payload".getBytes(StandardCharsets.UTF_8))).build();
        try (Response response = client.newCall(request).execute()) {
            return response.code();
        }
    }

    @Test
    void serverErrorsAreRetriedAndTheBodyIsSentAgain() throws IOException {
        respond(503, error("SlowDown"));
        respond(500, error("InternalError"));
        assertEquals(200, call());
        assertEquals(3, requests.get());
    }

    @Test
    void retriesAreBounded() throws IOException {
        for (int i = 0; i < 5; i++) {
            respond(503, error("SlowDown"));
        }
        assertEquals(503, call());
        assertEquals(3, requests.get());
    }

    @Test
    void clientErrorsAreNotRetried() throws IOException {
        respond(403, error("SignatureDoesNotMatch"));
        assertEquals(403, call());
        respond(400, error("InvalidArgument"));
        assertEquals(400, call());
        respond(409, error("BucketNotEmpty"));
        assertEquals(409, call());
        assertEquals(3, requests.get());
    }

    @Test
    void conditionalRequestConflictIsRetried() throws IOException {
        respond(409, error("ConditionalRequestConflict"));
        assertEquals(200, call());
        assertEquals(2, requests.get());
    }

    @Test
    void refusedConnectionsFailAfterTheAttempts() throws IOException {
        int port;
        try (ServerSocket socket = new ServerSocket(0)) {
            port = socket.getLocalPort();
        }
        Request request = new Request.Builder().url("http://127.0.0.1:" + port + "/b/k").build();
        long start = System.nanoTime();
        TransientRetryInterceptor.TransientFailureException e = assertThrows(
                TransientRetryInterceptor.TransientFailureException.class,
                () -> client.newCall(request).execute().close());
        assertEquals(3, e.attempts());
        assertTrue(e.getMessage().contains("failed 3 times"), e.getMessage());
        assertTrue(Duration.ofNanos(System.nanoTime() - start).toMillis() < 5_000);
    }

    /** Through the store: a service that keeps answering SlowDown fails the put after the bounded attempts. */
    @Test
    void aStoreGivesUpOnAPersistentlySlowService() throws IOException {
        for (int i = 0; i < 10; i++) {
            respond(503, error("SlowDown"));
        }
        S3Settings settings = S3Settings.from(new PluginContext("n", Path.of("/nonexistent"), Map.of(
                "endpoint", "http://127.0.0.1:" + server.getAddress().getPort(), "bucket", "slow-bucket",
                "access-key", "a", "secret-key", "s")));
        try (S3BlobStore store = new S3BlobStore(settings)) {
            long start = System.nanoTime();
            IOException e = assertThrows(IOException.class,
                    () -> store.put("x", new ByteArrayInputStream(new byte[] {1}), 1, false));
            assertTrue(e.getMessage().contains("SlowDown"), e.getMessage());
            assertTrue(e.getMessage().contains("bucket 'slow-bucket' at http://127.0.0.1:"), e.getMessage());
            assertEquals(3, requests.get());
            // S3Clients' real backoff: 200 ms then 400 ms at most
            assertTrue(Duration.ofNanos(System.nanoTime() - start).toMillis() < 5_000);
        }
    }

    private static String error(String code) {
        return "<?xml version=\"1.0\" encoding=\"UTF-8\"?><Error><Code>" + code + "</Code><Message>scripted</Message>"
                + "<RequestId>1</RequestId></Error>";
    }
}
