package io.hydra.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;

import org.junit.jupiter.api.Test;

/** The daemon's other doors: health and metrics on loopback, gRPC over TCP only with mutual TLS, socket group. */
class DaemonEndpointsTest {

    private static int freePort() throws Exception {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }

    private static String get(int port, String path) throws Exception {
        HttpResponse<String> r = HttpClient.newHttpClient().send(
                HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path)).build(),
                HttpResponse.BodyHandlers.ofString());
        return r.statusCode() + " " + r.body();
    }

    @Test
    void healthAndPrometheusMetrics() throws Exception {
        int http = freePort();
        try (HydraDaemonProcess daemon = new HydraDaemonProcess("metrics", "hydra.http-port=" + http).start()) {
            Path rootfs = BusyboxRootfs.create(daemon.dir.resolve("rootfs"));
            daemon.ok("run", "-d", "--name", "m", "--rootfs", rootfs.toString(), "--", "sleep", "1000");
            String health = get(http, "/q/health/ready");
            assertTrue(health.startsWith("200") && health.contains("hydra-daemon"), health);
            String metrics = get(http, "/q/metrics");
            assertTrue(metrics.contains("hydra_containers{status=\"running\"} 1.0"), metrics);
            assertTrue(metrics.contains("hydra_operation_seconds_count{op=\"run\",outcome=\"ok\"} 1.0"), metrics);
            assertTrue(metrics.matches("(?s).*hydra_reconcile_last_seconds\\{kind=\"recovery\"} [0-9.E-]+\n.*"), metrics);
            daemon.ok("rm", "-f", "m");
        }
    }

    @Test
    void tcpServesOnlyWithMutualTls() throws Exception {
        try (HydraDaemonProcess probe = new HydraDaemonProcess("notls")) {
            HydraDaemonProcess.Result refused = probe.runDaemonExpectingFailure(List.of("hydra.listen=127.0.0.1:"
                    + freePort()));
            assertEquals(1, refused.code());
            assertTrue(refused.out().contains("only with mutual TLS"), refused.out());
        }
        Path pki = Files.createTempDirectory(Path.of("/tmp"), "hydra-pki-");
        try {
            String ca = pki.resolve("ca").toString();
            run("openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2", "-subj", "/CN=hydra-test-ca",
                    "-keyout", ca + ".key", "-out", ca + ".crt");
            for (String who : List.of("server", "client", "stranger")) {
                String base = pki.resolve(who).toString();
                run("openssl", "req", "-newkey", "rsa:2048", "-nodes", "-subj", "/CN=" + (who.equals("server")
                        ? "localhost" : who), "-keyout", base + ".rsa", "-out", base + ".csr");
                Files.writeString(Path.of(base + ".ext"), "subjectAltName=DNS:localhost,IP:127.0.0.1\n");
                if (who.equals("stranger")) {
                    // signed by itself, not by the CA the daemon trusts
                    run("openssl", "x509", "-req", "-in", base + ".csr", "-signkey", base + ".rsa", "-days", "2",
                            "-out", base + ".crt");
                } else {
                    run("openssl", "x509", "-req", "-in", base + ".csr", "-CA", ca + ".crt", "-CAkey", ca + ".key",
                            "-CAcreateserial", "-days", "2", "-extfile", base + ".ext", "-out", base + ".crt");
                }
                run("openssl", "pkcs8", "-topk8", "-nocrypt", "-in", base + ".rsa", "-out", base + ".key");
            }
            int port = freePort();
            try (HydraDaemonProcess daemon = new HydraDaemonProcess("tls", "hydra.listen=127.0.0.1:" + port,
                    "hydra.tls.cert=" + pki.resolve("server.crt"), "hydra.tls.key=" + pki.resolve("server.key"),
                    "hydra.tls.ca=" + ca + ".crt").start()) {
                HydraDaemonProcess.Result ok = daemon.hydra("--host", "tcp://localhost:" + port,
                        "--tls-cert", pki.resolve("client.crt").toString(), "--tls-key", pki.resolve("client.key").toString(),
                        "--tls-ca", ca + ".crt", "version");
                assertEquals(0, ok.code(), ok.err());
                HydraDaemonProcess.Result stranger = daemon.hydra("--host", "tcp://localhost:" + port,
                        "--tls-cert", pki.resolve("stranger.crt").toString(), "--tls-key",
                        pki.resolve("stranger.key").toString(), "--tls-ca", ca + ".crt", "version");
                assertEquals(1, stranger.code(), "a client certificate from another CA is refused");
                HydraDaemonProcess.Result noCert = daemon.hydra("--host", "tcp://localhost:" + port, "version");
                assertEquals(1, noCert.code());
                assertTrue(noCert.err().contains("mutual TLS"), noCert.err());
            }
        } finally {
            HydraDaemonProcess.sh("rm", "-rf", pki.toString());
        }
    }

    @Test
    void aSocketGroupOpensTheSocketToThatGroupOnly() throws Exception {
        try (HydraDaemonProcess daemon = new HydraDaemonProcess("group", "hydra.socket-group=daemon").start()) {
            assertEquals("rw-rw----", PosixFilePermissions.toString(Files.getPosixFilePermissions(daemon.socket)));
            assertEquals("daemon", Files.getAttribute(daemon.socket, "posix:group").toString());
        }
    }

    private static void run(String... cmd) throws Exception {
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes());
        if (p.waitFor() != 0) {
            throw new AssertionError(String.join(" ", cmd) + ": " + out);
        }
    }
}
