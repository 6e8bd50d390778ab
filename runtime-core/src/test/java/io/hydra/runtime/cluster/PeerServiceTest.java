package io.hydra.runtime.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Executors;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.netty.shaded.io.netty.channel.epoll.EpollDomainSocketChannel;
import io.grpc.netty.shaded.io.netty.channel.epoll.EpollEventLoopGroup;
import io.grpc.netty.shaded.io.netty.channel.unix.DomainSocketAddress;
import io.hydra.api.v1.ClusterGrpc;
import io.hydra.api.v1.Empty;
import io.hydra.api.v1.NodeList;
import io.hydra.api.v1.PeerGrpc;
import io.hydra.api.v1.ProbeRequest;
import io.hydra.api.v1.ProbeResponse;
import io.hydra.runtime.api.GrpcServer;

/**
 * The Peer service over real gRPC with mutual TLS (certificates made with openssl), as daemons call each other;
 * only the coordinator's reachability is set by the test (the coordinator plugin is another module).
 */
class PeerServiceTest {
    @TempDir
    Path dir;

    private GrpcServer server;
    private PeerClient client;
    private final ExecutorService executor = Executors.newCachedThreadPool();

    @AfterEach
    void close() throws Exception {
        if (client != null) {
            client.close();
        }
        if (server != null) {
            server.close();
        }
        executor.shutdownNow();
    }

    private void openssl(String... args) throws Exception {
        List<String> cmd = new java.util.ArrayList<>(List.of("openssl"));
        cmd.addAll(List.of(args));
        Process p = new ProcessBuilder(cmd).directory(dir.toFile()).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes());
        assertTrue(p.waitFor(30, TimeUnit.SECONDS) && p.exitValue() == 0, String.join(" ", cmd) + ": " + out);
    }

    /** A CA and, signed by it, a certificate for 127.0.0.1 (the node's address), in dir/{name}.crt|key. */
    private void pki(String ca, String... nodes) throws Exception {
        openssl("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj", "/CN=" + ca,
                "-keyout", ca + ".key", "-out", ca + ".crt");
        for (String n : nodes) {
            Files.writeString(dir.resolve(n + ".ext"), "subjectAltName=IP:127.0.0.1\n"
                    + "extendedKeyUsage=serverAuth,clientAuth\n");
            openssl("req", "-newkey", "rsa:2048", "-nodes", "-subj", "/CN=" + n, "-keyout", n + ".key",
                    "-out", n + ".csr");
            openssl("x509", "-req", "-in", n + ".csr", "-CA", ca + ".crt", "-CAkey", ca + ".key",
                    "-CAcreateserial", "-days", "1", "-extfile", n + ".ext", "-out", n + ".crt");
            // Netty's server side wants PKCS#8
            openssl("pkcs8", "-topk8", "-nocrypt", "-in", n + ".key", "-out", n + ".p8");
        }
    }

    private String serve(AtomicBoolean reachable) throws Exception {
        int port;
        try (ServerSocket s = new ServerSocket(0)) {
            port = s.getLocalPort();
        }
        server = new GrpcServer(dir.resolve("s.sock"));
        ClusterApi cluster = new ClusterApi(Optional.empty(), () -> new NodeRecord("b", "127.0.0.1:" + port,
                Map.of(), 1, 1, 1000, 1000, 0, "amd64", "", "", null, Instant.now(), Instant.now(), null));
        PeerApi peer = new PeerApi("b", timeout -> reachable.get(), () -> false);
        server.startTcp("127.0.0.1:" + port, dir.resolve("b.crt"), dir.resolve("b.p8"), dir.resolve("ca.crt"),
                List.of(cluster), List.of(peer), executor);
        server.startUnix(Optional.empty(), List.of(cluster), executor);
        return "127.0.0.1:" + port;
    }

    private static NodeRecord node(String id, String address) {
        return new NodeRecord(id, address, Map.of(), 0, 0, 0, 0, 0, "", "", "", null, null, null, null);
    }

    @Test
    void aPeerAnswersOverMutualTlsWhetherItReachesTheCoordinatorAndWhichDirectoriesExist() throws Exception {
        pki("ca", "a", "b");
        AtomicBoolean reachable = new AtomicBoolean(true);
        String address = serve(reachable);
        client = new PeerClient("a", dir.resolve("a.crt"), dir.resolve("a.p8"), dir.resolve("ca.crt"));
        Path present = Files.createDirectories(dir.resolve("rootfs"));
        Map<String, ProbeResponse> answers = client.probeAll(List.of(node("b", address)),
                List.of(present.toString(), dir.resolve("absent").toString(), "relative"), Duration.ofSeconds(5));
        assertEquals(1, answers.size());
        ProbeResponse b = answers.get("b");
        assertEquals("b", b.getNode());
        assertTrue(b.getCoordinatorReachable());
        assertEquals(List.of(present.toString()), b.getPresentPathsList());
        reachable.set(false);
        assertFalse(client.probeAll(List.of(node("b", address)), List.of(), Duration.ofSeconds(5)).get("b")
                .getCoordinatorReachable());
    }

    @Test
    void aPeerThatDoesNotAnswerInTimeIsLeftOutAndTheCallEndsByItsDeadline() throws Exception {
        pki("ca", "a", "b");
        String address = serve(new AtomicBoolean(true));
        client = new PeerClient("a", dir.resolve("a.crt"), dir.resolve("a.p8"), dir.resolve("ca.crt"));
        // the answering peer's channel is set up first, as fencing's connect() does: a cold TLS handshake on a
        // loaded machine can take longer than the short deadline this test is about
        assertEquals(1, client.probeAll(List.of(node("b", address)), List.of(), Duration.ofSeconds(10)).size());
        int silentPort;
        // a listening socket that never speaks TLS: the probe must give up by its deadline
        try (ServerSocket silent = new ServerSocket(0)) {
            silentPort = silent.getLocalPort();
            long start = System.nanoTime();
            Map<String, ProbeResponse> answers = client.probeAll(List.of(node("b", address),
                    node("c", "127.0.0.1:" + silentPort)), List.of(), Duration.ofMillis(300));
            long tookMs = (System.nanoTime() - start) / 1_000_000;
            assertEquals(List.of("b"), List.copyOf(answers.keySet()));
            assertTrue(tookMs < 1500, "took " + tookMs + " ms");
        }
    }

    @Test
    void aClientWithoutACertificateOfTheClustersCaIsRefused() throws Exception {
        pki("ca", "b");
        String address = serve(new AtomicBoolean(true));
        Files.createDirectories(dir.resolve("other"));
        Path otherDir = dir;
        dir = dir.resolve("other");
        pki("otherca", "x");
        dir = otherDir;
        Path other = otherDir.resolve("other");
        // trusts the server's CA, but presents a certificate the server's CA did not sign
        client = new PeerClient("x", other.resolve("x.crt"), other.resolve("x.p8"), otherDir.resolve("ca.crt"));
        assertEquals(Map.of(), client.probeAll(List.of(node("b", address)), List.of(), Duration.ofSeconds(3)));
    }

    @Test
    void thePeerServiceIsNotOnTheUnixSocketButTheClusterServiceIs() throws Exception {
        pki("ca", "b");
        serve(new AtomicBoolean(true));
        EpollEventLoopGroup group = new EpollEventLoopGroup(1);
        ManagedChannel unix = NettyChannelBuilder.forAddress(new DomainSocketAddress(dir.resolve("s.sock").toString()))
                .eventLoopGroup(group).channelType(EpollDomainSocketChannel.class).usePlaintext().build();
        try {
            StatusRuntimeException e = assertThrows(StatusRuntimeException.class, () -> PeerGrpc
                    .newBlockingStub(unix).withDeadlineAfter(5, TimeUnit.SECONDS)
                    .probe(ProbeRequest.newBuilder().setFromNode("a").build()));
            assertEquals(Status.Code.UNIMPLEMENTED, e.getStatus().getCode());
            NodeList nodes = ClusterGrpc.newBlockingStub(unix).withDeadlineAfter(5, TimeUnit.SECONDS)
                    .nodes(Empty.getDefaultInstance());
            assertFalse(nodes.getClustered());
            assertEquals(1, nodes.getNodesCount());
            assertEquals("b", nodes.getNodes(0).getId());
            assertEquals("ready", nodes.getNodes(0).getStatus());
        } finally {
            unix.shutdownNow();
            group.shutdownGracefully(0, 1, TimeUnit.SECONDS);
        }
    }
}
