package io.hydra.storage.s3;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.hydra.spi.plugin.PluginContext;
import io.hydra.storage.s3.testing.S3ProxyServer;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** S3 going away under a running store, and coming back on the same port with its data (S3ProxyServer.restart). */
class S3OutageTest {
    @TempDir
    Path dir;

    @Test
    void operationsFailFastWhileS3IsDownAndWorkAgainAfter() throws Exception {
        try (S3ProxyServer server = S3ProxyServer.start(dir)) {
            server.createBucket("outage");
            try (S3BlobStore store = (S3BlobStore) new S3BlobStoreFactory().create(new PluginContext("n", dir,
                    Map.of("endpoint", server.endpoint(), "bucket", "outage", "access-key", server.accessKey(),
                            "secret-key", server.secretKey())))) {
                store.put("before", bytes("kept"), 4, false);

                server.stop();
                IOException put = assertTimeoutPreemptively(Duration.ofSeconds(20),
                        () -> assertThrows(IOException.class, () -> store.put("during", bytes("x"), 1, false)));
                assertTrue(put.getMessage().contains("bucket 'outage' at " + server.endpoint()), put.getMessage());
                assertTrue(put.getMessage().contains("failed 3 times"), put.getMessage());
                assertTimeoutPreemptively(Duration.ofSeconds(20), () -> {
                    assertThrows(IOException.class, () -> store.get("before"));
                    assertThrows(IOException.class, () -> store.stat("before"));
                    assertThrows(IOException.class, () -> store.list(""));
                    assertThrows(IOException.class, () -> store.delete("before"));
                });

                server.restart();
                assertEquals(server.endpoint(), "http://127.0.0.1:" + server.port());
                assertEquals("kept", new String(store.get("before").readAllBytes(), StandardCharsets.UTF_8));
                assertTrue(store.put("after", bytes("1"), 1, true));
                assertEquals(List.of("after", "before"), store.list("").stream().map(b -> b.name()).toList());
            }
        }
    }

    private static ByteArrayInputStream bytes(String text) {
        return new ByteArrayInputStream(text.getBytes(StandardCharsets.UTF_8));
    }
}
