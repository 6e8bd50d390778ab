package io.hydra.cluster.etcd;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.hydra.spi.cluster.Coordinator;
import io.hydra.spi.cluster.CoordinatorException;
import io.hydra.spi.cluster.Member;
import io.hydra.spi.cluster.Membership;
import io.hydra.spi.cluster.testing.EtcdServer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** etcd with TLS and client certificates: the plugin and its etcdctl keeper both speak it. */
class EtcdTlsTest {
    @TempDir
    Path temp;

    @Test
    void joinsAnEtcdThatRequiresClientCertificates() throws Exception {
        Path pki = Files.createDirectories(temp.resolve("pki"));
        openssl(pki, "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", "ca.key", "-out", "ca.pem",
                "-days", "1", "-subj", "/CN=hydra-test-ca");
        certificate(pki, "server", "subjectAltName=IP:127.0.0.1\nextendedKeyUsage=serverAuth\n");
        certificate(pki, "client", "extendedKeyUsage=clientAuth\n");

        EtcdServer.Tls tls = new EtcdServer.Tls(pki.resolve("server.pem"), pki.resolve("server.key"),
                pki.resolve("ca.pem"));
        try (EtcdServer etcd = EtcdServer.startTls("127.0.0.1", tls)) {
            assertTrue(etcd.endpoint().startsWith("https://"));
            Map<String, String> settings = EtcdTesting.settings(etcd, EtcdTesting.freshPrefix());
            Path state = Files.createDirectories(temp.resolve("n1"));

            try (Coordinator plain = EtcdTesting.coordinator(settings, state)) {
                assertEquals(CoordinatorException.Kind.UNREACHABLE,
                        assertThrows(CoordinatorException.class, () -> plain.get("x")).kind(),
                        "without TLS the TLS etcd must not answer");
            }

            settings.put("cacert", pki.resolve("ca.pem").toString());
            settings.put("cert", pki.resolve("client.pem").toString());
            settings.put("key", pki.resolve("client.key").toString());
            try (Coordinator c = EtcdTesting.coordinator(settings, state)) {
                java.time.Instant joined = java.time.Instant.now();
                Membership m = c.join("n1", "tls");
                try {
                    assertEquals(List.of(new Member("n1", "tls")), c.liveMembers());
                    assertTrue(c.create("owners/a", "1").isPresent());
                    // the keeper's etcdctl renews over TLS too: etcd promises time beyond the first TTL
                    EtcdLeaseKeeperTest.await(() -> m.liveUntil().isAfter(joined.plusSeconds(4)),
                            Duration.ofSeconds(10), "the keeper did not renew the lease over TLS");
                    assertFalse(m.expired(), read(state.resolve("keeper.log")));
                    assertEquals(List.of(new Member("n1", "tls")), c.liveMembers());
                } finally {
                    m.leave();
                }
            }
        }
    }

    private static void certificate(Path dir, String name, String extensions) throws Exception {
        openssl(dir, "genpkey", "-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:2048", "-out", name + ".key");
        openssl(dir, "req", "-new", "-key", name + ".key", "-out", name + ".csr", "-subj", "/CN=" + name);
        Files.writeString(dir.resolve(name + ".ext"), extensions);
        openssl(dir, "x509", "-req", "-in", name + ".csr", "-CA", "ca.pem", "-CAkey", "ca.key", "-CAcreateserial",
                "-out", name + ".pem", "-days", "1", "-extfile", name + ".ext");
    }

    private static void openssl(Path dir, String... args) throws Exception {
        List<String> command = new java.util.ArrayList<>(List.of("openssl"));
        command.addAll(List.of(args));
        Process p = new ProcessBuilder(command).directory(dir.toFile()).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes());
        assertTrue(p.waitFor(60, TimeUnit.SECONDS) && p.exitValue() == 0, "openssl " + command + ": " + out);
    }

    private static String read(Path p) throws Exception {
        return Files.exists(p) ? Files.readString(p) : "";
    }
}
