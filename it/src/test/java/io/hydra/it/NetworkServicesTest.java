package io.hydra.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.net.HttpURLConnection;
import java.net.ServerSocket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Processes with TCP sockets through real CRIU (>= 4.2: 4.1 cannot dump inet sockets on kernels >= 6.16): a Redis
 * holding 20,000 keys and a busybox httpd, checkpointed and restored, listening and with a connection held open.
 * The containers share the host's network (--net host) so the test reaches them on loopback.
 */
class NetworkServicesTest {
    static final int KEYS = 20_000;
    static HydraDaemonProcess daemon;
    static Path redisRootfs;
    static Path httpRootfs;

    @BeforeAll
    static void up() throws Exception {
        daemon = new HydraDaemonProcess("netsvc").start();
        redisRootfs = RedisRootfs.create(daemon.dir.resolve("redis-rootfs"));
        httpRootfs = BusyboxRootfs.create(daemon.dir.resolve("http-rootfs"));
        Files.createDirectories(httpRootfs.resolve("www"));
        Files.writeString(httpRootfs.resolve("www/index.html"), "served by a restored httpd\n");
    }

    @AfterAll
    static void down() throws Exception {
        if (daemon != null) {
            daemon.close();
        }
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }

    private static int startRedis(String name) throws Exception {
        int port = freePort();
        daemon.ok("run", "-d", "--name", name, "--net", "host", "--rootfs", redisRootfs.toString(), "--",
                "/usr/bin/redis-server", "--port", Integer.toString(port), "--bind", "127.0.0.1",
                "--save", "", "--appendonly", "no", "--protected-mode", "no");
        HydraDaemonProcess.awaitTrue(Duration.ofSeconds(60), () -> Resp.answers(port), "redis " + name + " up");
        return port;
    }

    private static void load(Resp redis, String prefix) throws IOException {
        List<String[]> sets = new ArrayList<>(KEYS);
        for (int i = 0; i < KEYS; i++) {
            sets.add(new String[] {"SET", prefix + i, "value-" + i + "-" + "x".repeat(i % 50)});
        }
        List<String> replies = redis.pipeline(sets);
        assertTrue(replies.stream().allMatch("OK"::equals), "every SET answered OK");
    }

    /** DBSIZE and every value, one by one. */
    private static void assertAllKeys(Resp redis, String prefix) throws IOException {
        assertEquals(Integer.toString(KEYS), redis.call("DBSIZE"));
        List<String[]> gets = new ArrayList<>(KEYS);
        for (int i = 0; i < KEYS; i++) {
            gets.add(new String[] {"GET", prefix + i});
        }
        List<String> values = redis.pipeline(gets);
        for (int i = 0; i < KEYS; i++) {
            assertEquals("value-" + i + "-" + "x".repeat(i % 50), values.get(i), "key " + prefix + i);
        }
    }

    @Test
    void redisWithTwentyThousandKeysIsCheckpointedStoppingAndRestored() throws Exception {
        int port = startRedis("redis-stop");
        try (Resp redis = new Resp(port)) {
            load(redis, "k");
        }
        daemon.ok("checkpoint", "redis-stop");
        assertEquals("checkpointed", daemon.status("redis-stop"));
        assertFalse(Resp.answers(port), "the checkpointed redis is not running");

        daemon.ok("restore", "redis-stop");
        assertEquals("running", daemon.status("redis-stop"));
        HydraDaemonProcess.awaitTrue(Duration.ofSeconds(30), () -> Resp.answers(port), "restored redis answers");
        try (Resp redis = new Resp(port)) {
            assertAllKeys(redis, "k");
        }
        daemon.ok("rm", "-f", "redis-stop");
    }

    @Test
    void redisLeaveRunningCheckpointKeepsServingAndRestoresToTheCheckpointedKeys() throws Exception {
        int port = startRedis("redis-live");
        try (Resp redis = new Resp(port)) {
            load(redis, "live");
        }
        daemon.ok("checkpoint", "--leave-running", "redis-live");
        assertEquals("running", daemon.status("redis-live"));
        try (Resp redis = new Resp(port)) {
            assertAllKeys(redis, "live");
            // written after the checkpoint: the restore must not have it
            assertEquals("OK", redis.call("SET", "after-checkpoint", "1"));
        }
        daemon.ok("stop", "-t", "2", "redis-live");
        daemon.ok("restore", "redis-live");
        HydraDaemonProcess.awaitTrue(Duration.ofSeconds(30), () -> Resp.answers(port), "restored redis answers");
        try (Resp redis = new Resp(port)) {
            assertAllKeys(redis, "live");
            assertEquals("(nil)", redis.call("GET", "after-checkpoint"));
        }
        daemon.ok("rm", "-f", "redis-live");
    }

    /** The client's connection lives through the dump, the processes' absence and the restore (TCP repair). */
    @Test
    void aConnectionHeldOpenAcrossATcpEstablishedCheckpointAndRestoreKeepsWorking() throws Exception {
        int port = startRedis("redis-tcp");
        try (Resp held = new Resp(port)) {
            load(held, "tcp");
            daemon.ok("checkpoint", "--tcp-established", "redis-tcp");
            assertEquals("checkpointed", daemon.status("redis-tcp"));
            daemon.ok("restore", "redis-tcp");
            assertEquals("running", daemon.status("redis-tcp"));
            // the same socket, opened before the checkpoint
            assertEquals("PONG", held.call("PING"));
            assertAllKeys(held, "tcp");
            assertEquals("OK", held.call("SET", "after-restore", "yes"));
            assertEquals("yes", held.call("GET", "after-restore"));
        }
        daemon.ok("rm", "-f", "redis-tcp");
    }

    /** Without --tcp-established an open client connection makes CRIU refuse, and the server keeps serving. */
    @Test
    void anOpenConnectionWithoutTcpEstablishedFailsClearlyAndLeavesTheServerRunning() throws Exception {
        int port = startRedis("redis-refuse");
        try (Resp held = new Resp(port)) {
            assertEquals("OK", held.call("SET", "a", "1"));
            HydraDaemonProcess.Result r = daemon.hydra("checkpoint", "redis-refuse");
            assertTrue(r.code() != 0, "CRIU cannot dump an established connection without --tcp-established");
            assertTrue(r.err().contains("checkpoint") && r.err().toLowerCase().contains("tcp"), r.err());
            assertEquals("running", daemon.status("redis-refuse"));
            assertEquals("1", held.call("GET", "a"), "the connection and the server survived the failed dump");
        }
        daemon.ok("rm", "-f", "redis-refuse");
    }

    @Test
    void busyboxHttpdCheckpointedAndRestoredStillServes() throws Exception {
        int port = freePort();
        daemon.ok("run", "-d", "--name", "httpd", "--net", "host", "--rootfs", httpRootfs.toString(), "--",
                "httpd", "-f", "-p", "127.0.0.1:" + port, "-h", "/www");
        HydraDaemonProcess.awaitTrue(Duration.ofSeconds(30), () -> get(port) != null, "httpd up");
        assertEquals("served by a restored httpd\n", get(port));

        daemon.ok("checkpoint", "--leave-running", "httpd");
        assertEquals("served by a restored httpd\n", get(port), "serves after a leave-running checkpoint");
        daemon.ok("checkpoint", "httpd");
        assertEquals(null, get(port), "stopped by the checkpoint");
        daemon.ok("restore", "httpd");
        HydraDaemonProcess.awaitTrue(Duration.ofSeconds(30), () -> get(port) != null, "restored httpd serves");
        assertEquals("served by a restored httpd\n", get(port));
        daemon.ok("rm", "-f", "httpd");
    }

    /** The body of GET /index.html, or null when nothing answers. */
    private static String get(int port) {
        try {
            HttpURLConnection c = (HttpURLConnection) URI.create("http://127.0.0.1:" + port + "/index.html").toURL()
                    .openConnection();
            c.setConnectTimeout(2000);
            c.setReadTimeout(5000);
            try (InputStream in = c.getInputStream()) {
                return c.getResponseCode() == 200 ? new String(in.readAllBytes(), StandardCharsets.UTF_8) : null;
            } finally {
                c.disconnect();
            }
        } catch (IOException e) {
            return null;
        }
    }
}
