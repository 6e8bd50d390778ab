package io.hydra.spi.cluster.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * A real etcd (Debian's etcd-server) on ports of its own, with a data directory of its own, for tests. It can be
 * stopped and started again on the same ports and data (an etcd outage), and it binds only the address it is given
 * (127.0.0.1, or a test network namespace's host side).
 */
public final class EtcdServer implements AutoCloseable {
    private static final Path BINARY = Path.of(System.getProperty("hydra.test.etcd", "/usr/bin/etcd"));

    private final String host;
    private final int clientPort;
    private final int peerPort;
    private final Path dataDir;
    private final Path log;
    private final Tls tls;
    private Process process;

    /**
     * TLS on the client port: etcd serves {@code cert}/{@code key} and requires a client certificate signed by
     * {@code trustedCa} (PEM files).
     */
    public record Tls(Path cert, Path key, Path trustedCa) {
    }

    private EtcdServer(String host, int clientPort, int peerPort, Path dataDir, Tls tls) {
        this.tls = tls;
        this.host = host;
        this.clientPort = clientPort;
        this.peerPort = peerPort;
        this.dataDir = dataDir;
        this.log = dataDir.resolveSibling(dataDir.getFileName() + ".log");
    }

    /** Starts etcd on 127.0.0.1 on free ports. */
    public static EtcdServer start() {
        return start("127.0.0.1");
    }

    /** Starts etcd listening on {@code host} (an address of this machine) on free ports. */
    public static EtcdServer start(String host) {
        return start(host, null);
    }

    /** Starts etcd listening on {@code host} with TLS and client-certificate authentication on its client port. */
    public static EtcdServer startTls(String host, Tls tls) {
        return start(host, java.util.Objects.requireNonNull(tls, "tls"));
    }

    private static EtcdServer start(String host, Tls tls) {
        try {
            Path dir = Files.createTempDirectory("hydra-etcd");
            EtcdServer server = new EtcdServer(host, freePort(), freePort(), dir.resolve("data"), tls);
            server.startProcess();
            return server;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** {@code http://HOST:PORT} ({@code https} with TLS), as etcdctl and jetcd take it. */
    public String endpoint() {
        return (tls == null ? "http://" : "https://") + host + ":" + clientPort;
    }

    /** {@code etcd://HOST:PORT}, as {@code hydra daemon --cluster} takes it. */
    public String clusterUrl() {
        return "etcd://" + host + ":" + clientPort;
    }

    public String host() {
        return host;
    }

    public int clientPort() {
        return clientPort;
    }

    public boolean running() {
        return process != null && process.isAlive();
    }

    /** Kills etcd (SIGKILL): an outage. {@link #restart()} brings it back with its data. */
    public void kill() {
        if (process != null) {
            process.destroyForcibly();
            try {
                process.waitFor(10, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            process = null;
        }
    }

    /** Starts etcd again on the same ports and data directory. */
    public void restart() {
        if (running()) {
            throw new IllegalStateException("etcd is running");
        }
        startProcess();
    }

    private void startProcess() {
        String client = endpoint();
        String peer = "http://" + host + ":" + peerPort;
        List<String> command = new ArrayList<>(List.of(BINARY.toString(), "--name", "default",
                "--data-dir", dataDir.toString(),
                "--listen-client-urls", client, "--advertise-client-urls", client,
                "--listen-peer-urls", peer, "--initial-advertise-peer-urls", peer,
                "--initial-cluster", "default=" + peer, "--log-level", "warn"));
        if (tls != null) {
            command.addAll(List.of("--cert-file", tls.cert().toString(), "--key-file", tls.key().toString(),
                    "--trusted-ca-file", tls.trustedCa().toString(), "--client-cert-auth"));
        }
        try {
            process = new ProcessBuilder(command).redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile())).start();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot start " + BINARY + " (install etcd-server)", e);
        }
        long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
        while (System.nanoTime() < deadline) {
            if (!process.isAlive()) {
                throw new IllegalStateException("etcd exited with " + process.exitValue() + "; its log: " + logText());
            }
            try (Socket s = new Socket()) {
                s.connect(new InetSocketAddress(host, clientPort), 200);
                return;
            } catch (IOException notYet) {
                try {
                    Thread.sleep(50); // polling a port that is not yet bound: there is nothing to wait on
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new IllegalStateException(e);
                }
            }
        }
        throw new IllegalStateException("etcd did not listen on " + client + " within 20 s; its log: " + logText());
    }

    public String logText() {
        try {
            return Files.exists(log) ? Files.readString(log) : "";
        } catch (IOException e) {
            return "(unreadable: " + e.getMessage() + ")";
        }
    }

    @Override
    public void close() {
        kill();
        try (Stream<Path> walk = Files.walk(dataDir.getParent())) {
            walk.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException ignored) {
            // a temp dir left behind is harmless
        }
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }
}
