package io.hydra.runtime.image;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;

import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;

/**
 * A distribution API v2 read side in process, anonymous, serving images built here; a blob can be held half-sent
 * until the test releases it (with its real bytes or corrupted ones), to stage a stalled or a concurrent transfer.
 */
final class TestRegistry implements AutoCloseable {
    /** An image: its layers' tar bytes, config and manifest. */
    record Image(List<byte[]> layers, byte[] config, byte[] manifest) {
        String manifestDigest() {
            return Digests.of(manifest);
        }

        String layerDigest(int i) {
            return Digests.of(layers.get(i));
        }
    }

    /** A blob held after half of it was sent. */
    static final class Hold {
        final CountDownLatch requested = new CountDownLatch(1);
        final CountDownLatch release = new CountDownLatch(1);
        volatile boolean corrupt;

        void release(boolean corruptRest) {
            corrupt = corruptRest;
            release.countDown();
        }
    }

    private final HttpServer server;
    private final ExecutorService threads = Executors.newCachedThreadPool();
    private final Map<String, byte[]> blobs = new ConcurrentHashMap<>();
    private final Map<String, byte[]> manifests = new ConcurrentHashMap<>();
    private final Map<String, Hold> holds = new ConcurrentHashMap<>();

    TestRegistry() throws IOException {
        server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        server.setExecutor(threads);
        server.createContext("/v2/", this::handle);
        server.start();
    }

    String host() {
        return "127.0.0.1:" + server.getAddress().getPort();
    }

    static byte[] layer(String file, String content) throws IOException {
        ByteArrayOutputStream tar = new ByteArrayOutputStream();
        try (TarArchiveOutputStream t = new TarArchiveOutputStream(tar)) {
            byte[] b = content.getBytes(StandardCharsets.UTF_8);
            TarArchiveEntry e = new TarArchiveEntry(file);
            e.setSize(b.length);
            t.putArchiveEntry(e);
            t.write(b);
            t.closeArchiveEntry();
        }
        return tar.toByteArray();
    }

    static Image image(String os, String arch, byte[]... layers) {
        StringBuilder diffIds = new StringBuilder();
        StringBuilder descriptors = new StringBuilder();
        for (byte[] l : layers) {
            diffIds.append(diffIds.isEmpty() ? "" : ",").append('"').append(Digests.of(l)).append('"');
            descriptors.append(descriptors.isEmpty() ? "" : ",").append("{\"mediaType\":\"").append(MediaTypes.OCI_LAYER)
                    .append("\",\"digest\":\"").append(Digests.of(l)).append("\",\"size\":").append(l.length).append('}');
        }
        byte[] config = ("{\"architecture\":\"" + arch + "\",\"os\":\"" + os + "\",\"config\":{\"Cmd\":[\"sh\"]},"
                + "\"rootfs\":{\"type\":\"layers\",\"diff_ids\":[" + diffIds + "]}}").getBytes(StandardCharsets.UTF_8);
        byte[] manifest = ("{\"schemaVersion\":2,\"mediaType\":\"" + MediaTypes.OCI_MANIFEST + "\",\"config\":{"
                + "\"mediaType\":\"" + MediaTypes.OCI_CONFIG + "\",\"digest\":\"" + Digests.of(config) + "\",\"size\":"
                + config.length + "},\"layers\":[" + descriptors + "]}").getBytes(StandardCharsets.UTF_8);
        return new Image(List.of(layers), config, manifest);
    }

    void push(String repo, String tag, Image image) {
        for (byte[] l : image.layers()) {
            blobs.put(Digests.of(l), l);
        }
        blobs.put(Digests.of(image.config()), image.config());
        manifests.put(repo + "/" + tag, image.manifest());
    }

    Hold hold(String digest) {
        Hold h = new Hold();
        holds.put(digest, h);
        return h;
    }

    private void handle(HttpExchange ex) throws IOException {
        String path = ex.getRequestURI().getPath().substring("/v2/".length());
        int m = path.indexOf("/manifests/");
        int b = path.indexOf("/blobs/");
        try (ex) {
            if (m > 0) {
                byte[] body = manifests.get(path.substring(0, m) + "/" + path.substring(m + "/manifests/".length()));
                if (body == null) {
                    ex.sendResponseHeaders(404, -1);
                    return;
                }
                ex.getResponseHeaders().add("Content-Type", MediaTypes.OCI_MANIFEST);
                send(ex, body, null);
            } else if (b > 0) {
                String digest = path.substring(b + "/blobs/".length());
                byte[] body = blobs.get(digest);
                if (body == null) {
                    ex.sendResponseHeaders(404, -1);
                    return;
                }
                send(ex, body, holds.get(digest));
            } else {
                ex.sendResponseHeaders(404, -1);
            }
        }
    }

    private static void send(HttpExchange ex, byte[] body, Hold hold) throws IOException {
        ex.sendResponseHeaders(200, body.length);
        OutputStream out = ex.getResponseBody();
        if (hold == null) {
            out.write(body);
            out.close();
            return;
        }
        int half = body.length / 2;
        out.write(body, 0, half);
        out.flush();
        hold.requested.countDown();
        try {
            if (!hold.release.await(120, TimeUnit.SECONDS)) {
                return;
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return;
        }
        byte[] rest = java.util.Arrays.copyOfRange(body, half, body.length);
        if (hold.corrupt) {
            rest[rest.length - 1] ^= 1;
        }
        try {
            out.write(rest);
            out.close();
        } catch (IOException clientGone) {
            // the client gave up on the held blob, which is what some tests wait for
        }
    }

    @Override
    public void close() {
        new ArrayList<>(holds.values()).forEach(h -> h.release.countDown());
        server.stop(0);
        threads.shutdownNow();
    }
}
