package io.hydra.bench;

import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PrintWriter;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

import io.grpc.ManagedChannel;
import io.grpc.StatusRuntimeException;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.netty.shaded.io.netty.channel.EventLoopGroup;
import io.grpc.netty.shaded.io.netty.channel.epoll.EpollDomainSocketChannel;
import io.grpc.netty.shaded.io.netty.channel.epoll.EpollEventLoopGroup;
import io.grpc.netty.shaded.io.netty.channel.unix.DomainSocketAddress;
import io.hydra.api.v1.Container;
import io.hydra.api.v1.ContainersGrpc;
import io.hydra.api.v1.CreateRequest;
import io.hydra.api.v1.Empty;
import io.hydra.api.v1.ListRequest;
import io.hydra.api.v1.ListResponse;
import io.hydra.api.v1.RemoveRequest;
import io.hydra.api.v1.SystemGrpc;

/**
 * The Java side of the benchmarks (run by bench/*.sh):
 * <pre>
 *   start SOCKET ROOTFS PREFIX COUNT OUTFILE [--net-host] [-- ARGS...]   sequential Create(start=true), ms per call
 *   rm-all SOCKET [PREFIX]                                               Remove(force) every (matching) container
 *   pids SOCKET                                                          monitor pid of every container, one a line
 *   count SOCKET                                                         containers by status
 *   wait-api SOCKET TIMEOUT_MS                                           poll Version until it answers after a failure
 *   stats FILE...                                                        n, median, p95, mean, min, max of numbers
 *   redis-hammer PORT SECONDS CONNECTIONS [MARKFILE]                     SET/GET loop, failures and stalls
 * </pre>
 */
public final class BenchDriver {
    private BenchDriver() {
    }

    /** Held so the level sticks: grpc-netty warns about SO_KEEPALIVE on Unix sockets at every connect. */
    private static final java.util.logging.Logger QUIET = java.util.logging.Logger.getLogger("");

    public static void main(String[] args) throws Exception {
        QUIET.setLevel(java.util.logging.Level.SEVERE);
        if (args.length == 0) {
            System.err.println("usage: BenchDriver start|rm-all|pids|count|wait-api|stats|redis-hammer ...");
            System.exit(2);
        }
        String[] rest = Arrays.copyOfRange(args, 1, args.length);
        switch (args[0]) {
            case "start" -> start(rest);
            case "start-stdin" -> startStdin(rest);
            case "rm-all" -> rmAll(rest);
            case "pids" -> pids(rest);
            case "count" -> count(rest);
            case "wait-api" -> waitApi(rest);
            case "stats" -> stats(rest);
            case "redis-hammer" -> RedisHammer.run(rest);
            default -> {
                System.err.println("unknown command " + args[0]);
                System.exit(2);
            }
        }
    }

    // ---- gRPC over the daemon's Unix socket (as cli/DaemonConnection does)

    static final class Conn implements AutoCloseable {
        final EventLoopGroup group;
        final boolean ownGroup;
        final ManagedChannel channel;

        Conn(String socket) {
            this(socket, new EpollEventLoopGroup(1), true);
        }

        Conn(String socket, EventLoopGroup group, boolean ownGroup) {
            this.group = group;
            this.ownGroup = ownGroup;
            channel = NettyChannelBuilder.forAddress(new DomainSocketAddress(socket)).eventLoopGroup(group)
                    .channelType(EpollDomainSocketChannel.class).usePlaintext().maxInboundMessageSize(64 << 20)
                    .build();
        }

        ContainersGrpc.ContainersBlockingStub containers() {
            return ContainersGrpc.newBlockingStub(channel).withDeadlineAfter(120, TimeUnit.SECONDS);
        }

        SystemGrpc.SystemBlockingStub system(long deadlineMs) {
            return SystemGrpc.newBlockingStub(channel).withDeadlineAfter(deadlineMs, TimeUnit.MILLISECONDS);
        }

        @Override
        public void close() {
            channel.shutdownNow();
            try {
                channel.awaitTermination(1, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            if (ownGroup) {
                group.shutdownGracefully(0, 0, TimeUnit.SECONDS);
            }
        }
    }

    /** Sequential create-and-start of COUNT containers named PREFIX-i; one line of milliseconds per container. */
    private static void start(String[] a) throws Exception {
        String socket = a[0];
        String rootfs = a[1];
        String prefix = a[2];
        int count = Integer.parseInt(a[3]);
        Path out = Path.of(a[4]);
        boolean hostNet = false;
        List<String> cmd = new ArrayList<>();
        for (int i = 5; i < a.length; i++) {
            if (a[i].equals("--net-host")) {
                hostNet = true;
            } else if (a[i].equals("--")) {
                cmd.addAll(Arrays.asList(a).subList(i + 1, a.length));
                break;
            }
        }
        if (cmd.isEmpty()) {
            cmd = List.of("sleep", "100000");
        }
        List<Double> ms = new ArrayList<>();
        int failed = 0;
        try (Conn c = new Conn(socket); PrintWriter w = new PrintWriter(Files.newBufferedWriter(out))) {
            c.system(10_000).version(Empty.getDefaultInstance()); // connect before timing
            long all = System.nanoTime();
            for (int i = 0; i < count; i++) {
                CreateRequest.Builder b = CreateRequest.newBuilder().setName(prefix + "-" + i);
                // ROOTFS "image:REF" starts containers of an image (an overlay per container) instead
                if (rootfs.startsWith("image:")) {
                    b.setImage(rootfs.substring("image:".length()));
                } else {
                    b.setRootfs(rootfs);
                }
                CreateRequest req = b.addAllArgs(cmd).setStart(true).setHostNetwork(hostNet).build();
                long t0 = System.nanoTime();
                try {
                    Container ct = c.containers().create(req);
                    double d = (System.nanoTime() - t0) / 1e6;
                    if (!"running".equals(ct.getStatus())) {
                        System.err.println(prefix + "-" + i + ": status " + ct.getStatus());
                    }
                    ms.add(d);
                    w.printf("%.3f%n", d);
                } catch (StatusRuntimeException e) {
                    failed++;
                    System.err.println(prefix + "-" + i + ": " + e.getStatus());
                }
            }
            double total = (System.nanoTime() - all) / 1e6;
            System.out.printf("started %d, failed %d, total %.0f ms; %s%n", ms.size(), failed, total, summary(ms));
        }
        if (failed > 0) {
            System.exit(1);
        }
    }

    /**
     * Coprocess form of start, for interleaving with other runtimes: reads one container name a line from stdin,
     * creates and starts it ({@code sleep 100000} in ROOTFS), answers one line: the call's milliseconds, or
     * "FAILED reason".
     */
    private static void startStdin(String[] a) throws IOException {
        String socket = a[0];
        String rootfs = a[1];
        java.io.BufferedReader in = new java.io.BufferedReader(new java.io.InputStreamReader(System.in));
        try (Conn c = new Conn(socket)) {
            c.system(10_000).version(Empty.getDefaultInstance());
            System.out.println("ready");
            System.out.flush();
            String name;
            while ((name = in.readLine()) != null) {
                CreateRequest req = CreateRequest.newBuilder().setName(name.trim()).setRootfs(rootfs)
                        .addAllArgs(List.of("sleep", "100000")).setStart(true).build();
                long t0 = System.nanoTime();
                try {
                    Container ct = c.containers().create(req);
                    double d = (System.nanoTime() - t0) / 1e6;
                    System.out.println("running".equals(ct.getStatus()) ? String.format("%.3f", d)
                            : "FAILED status " + ct.getStatus());
                } catch (StatusRuntimeException e) {
                    System.out.println("FAILED " + e.getStatus());
                }
                System.out.flush();
            }
        }
    }

    private static void rmAll(String[] a) {
        String prefix = a.length > 1 ? a[1] : "";
        int removed = 0;
        try (Conn c = new Conn(a[0])) {
            ListResponse list = c.containers().list(ListRequest.newBuilder().setAll(true).build());
            for (Container ct : list.getContainersList()) {
                if (ct.getName().startsWith(prefix)) {
                    try {
                        c.containers().remove(RemoveRequest.newBuilder().setName(ct.getId()).setForce(true).build());
                        removed++;
                    } catch (StatusRuntimeException e) {
                        System.err.println("rm " + ct.getName() + ": " + e.getStatus());
                    }
                }
            }
        }
        System.out.println("removed " + removed);
    }

    private static void pids(String[] a) {
        try (Conn c = new Conn(a[0])) {
            for (Container ct : c.containers().list(ListRequest.newBuilder().setAll(true).build()).getContainersList()) {
                System.out.println(ct.getMonitorPid());
            }
        }
    }

    private static void count(String[] a) {
        try (Conn c = new Conn(a[0])) {
            Map<String, Integer> by = new TreeMap<>();
            for (Container ct : c.containers().list(ListRequest.newBuilder().setAll(true).build()).getContainersList()) {
                by.merge(ct.getStatus(), 1, Integer::sum);
            }
            System.out.println(by);
        }
    }

    /**
     * Polls System.Version every 2 ms on a fresh channel (no gRPC reconnect back-off). Prints "down EPOCH_MS" when a
     * call first fails and "up EPOCH_MS" at the first success after that, then "list EPOCH_MS running=N total=M" from
     * the first List; exits. The caller kills and restarts the daemon while this runs.
     */
    private static void waitApi(String[] a) throws Exception {
        String socket = a[0];
        long timeout = Long.parseLong(a[1]);
        EventLoopGroup group = new EpollEventLoopGroup(1);
        // warm up the client against the old daemon so that class loading is not counted
        boolean sawDown = false;
        try (Conn c = new Conn(socket, group, false)) {
            for (int i = 0; i < 50; i++) {
                c.system(2000).version(Empty.getDefaultInstance());
                c.containers().list(ListRequest.newBuilder().build());
            }
        } catch (StatusRuntimeException e) {
            sawDown = true;
            System.out.println("down " + System.currentTimeMillis());
        }
        System.out.println("warm " + System.currentTimeMillis());
        System.out.flush();
        long deadline = System.currentTimeMillis() + timeout;
        int failures = 0;
        String lastFailure = "";
        while (System.currentTimeMillis() < deadline) {
            boolean ok;
            long attempt = System.currentTimeMillis();
            try (Conn c = new Conn(socket, group, false)) {
                // a long deadline: a call that reached the new daemon waits for its answer however slow
                c.system(30_000).version(Empty.getDefaultInstance());
                ok = true;
                if (sawDown) {
                    long up = System.currentTimeMillis();
                    ListResponse l = c.containers().list(ListRequest.newBuilder().setAll(true).build());
                    long listed = System.currentTimeMillis();
                    long running = l.getContainersList().stream().filter(x -> "running".equals(x.getStatus())).count();
                    System.out.println("up " + up + " attempt_began " + attempt);
                    System.out.println("failed_attempts " + failures + " last " + lastFailure);
                    System.out.println("list " + listed + " running=" + running + " total=" + l.getContainersCount());
                    group.shutdownGracefully(0, 0, TimeUnit.SECONDS);
                    return;
                }
            } catch (StatusRuntimeException e) {
                ok = false;
                failures++;
                lastFailure = System.currentTimeMillis() + " " + e.getStatus().getCode() + " after "
                        + (System.currentTimeMillis() - attempt) + " ms";
            }
            if (!ok && !sawDown) {
                sawDown = true;
                System.out.println("down " + System.currentTimeMillis());
                System.out.flush();
            }
            Thread.sleep(ok ? 1 : 2);
        }
        System.out.println("timeout " + System.currentTimeMillis());
        group.shutdownGracefully(0, 0, TimeUnit.SECONDS);
        System.exit(1);
    }

    private static void stats(String[] files) throws IOException {
        for (String f : files) {
            List<Double> v = new ArrayList<>();
            for (String line : Files.readAllLines(Path.of(f))) {
                if (!line.isBlank()) {
                    v.add(Double.parseDouble(line.trim()));
                }
            }
            System.out.println(f + ": " + summary(v));
        }
    }

    static String summary(List<Double> values) {
        if (values.isEmpty()) {
            return "n=0";
        }
        double[] v = values.stream().mapToDouble(Double::doubleValue).sorted().toArray();
        double mean = Arrays.stream(v).average().orElse(0);
        return String.format("n=%d median=%.2f p95=%.2f mean=%.2f min=%.2f max=%.2f", v.length, pct(v, 50),
                pct(v, 95), mean, v[0], v[v.length - 1]);
    }

    /** Nearest-rank percentile. */
    static double pct(double[] sorted, double p) {
        int rank = (int) Math.ceil(p / 100.0 * sorted.length);
        return sorted[Math.max(0, Math.min(sorted.length - 1, rank - 1))];
    }

    /** A minimal RESP client hammering SET/GET over persistent connections; counts every failed request. */
    static final class RedisHammer {
        static void run(String[] a) throws Exception {
            int port = Integer.parseInt(a[0]);
            double seconds = Double.parseDouble(a[1]);
            int conns = Integer.parseInt(a[2]);
            AtomicLong ok = new AtomicLong();
            AtomicLong failed = new AtomicLong();
            AtomicLong maxLatencyNs = new AtomicLong();
            AtomicLong reconnects = new AtomicLong();
            AtomicBoolean stop = new AtomicBoolean();
            long[] slowestAt = new long[1];
            List<String> errors = java.util.Collections.synchronizedList(new ArrayList<>());
            long[] perSecond = new long[(int) Math.ceil(seconds) + 2];
            long begin = System.nanoTime();
            List<Thread> threads = new ArrayList<>();
            for (int t = 0; t < conns; t++) {
                int id = t;
                Thread th = new Thread(() -> {
                    Socket s = null;
                    InputStream in = null;
                    OutputStream out = null;
                    long n = 0;
                    while (!stop.get()) {
                        try {
                            if (s == null) {
                                s = new Socket();
                                s.setTcpNoDelay(true);
                                s.setSoTimeout(5000);
                                s.connect(new InetSocketAddress("127.0.0.1", port), 2000);
                                in = new BufferedInputStream(s.getInputStream());
                                out = new BufferedOutputStream(s.getOutputStream());
                            }
                            String key = "k:" + id + ":" + (n % 1000);
                            String val = "v" + n;
                            long t0 = System.nanoTime();
                            if ((n & 1) == 0) {
                                send(out, "SET", key, val);
                                String r = readLine(in);
                                if (!r.equals("+OK")) {
                                    throw new IOException("SET answered " + r);
                                }
                            } else {
                                send(out, "GET", key);
                                String r = readLine(in);
                                if (r.startsWith("$")) {
                                    int len = Integer.parseInt(r.substring(1));
                                    if (len >= 0) {
                                        in.readNBytes(len + 2);
                                    }
                                } else {
                                    throw new IOException("GET answered " + r);
                                }
                            }
                            long d = System.nanoTime() - t0;
                            ok.incrementAndGet();
                            int sec = (int) ((System.nanoTime() - begin) / 1_000_000_000L);
                            if (sec < perSecond.length) {
                                synchronized (perSecond) {
                                    perSecond[sec]++;
                                }
                            }
                            synchronized (slowestAt) {
                                if (d > maxLatencyNs.get()) {
                                    maxLatencyNs.set(d);
                                    slowestAt[0] = System.currentTimeMillis();
                                }
                            }
                            n++;
                        } catch (IOException | RuntimeException e) {
                            failed.incrementAndGet();
                            if (errors.size() < 20) {
                                errors.add(System.currentTimeMillis() + " conn " + id + ": " + e);
                            }
                            try {
                                if (s != null) {
                                    s.close();
                                }
                            } catch (IOException ignored) {
                                // reconnect below
                            }
                            s = null;
                            reconnects.incrementAndGet();
                            try {
                                Thread.sleep(10);
                            } catch (InterruptedException ie) {
                                return;
                            }
                        }
                    }
                    try {
                        if (s != null) {
                            s.close();
                        }
                    } catch (IOException ignored) {
                        // done
                    }
                }, "hammer-" + t);
                threads.add(th);
                th.start();
            }
            Thread.sleep((long) (seconds * 1000));
            stop.set(true);
            for (Thread th : threads) {
                th.join(10_000);
            }
            double elapsed = (System.nanoTime() - begin) / 1e9;
            StringBuilder ps = new StringBuilder();
            for (int i = 0; i < (int) Math.floor(elapsed) && i < perSecond.length; i++) {
                ps.append(i == 0 ? "" : " ").append(perSecond[i]);
            }
            System.out.printf("requests ok=%d failed=%d reconnects=%d elapsed=%.1fs rate=%.0f/s max_latency=%.1fms"
                            + " (at epoch ms %d)%n", ok.get(), failed.get(), reconnects.get(), elapsed,
                    ok.get() / elapsed, maxLatencyNs.get() / 1e6, slowestAt[0]);
            System.out.println("per-second: " + ps);
            errors.forEach(e -> System.out.println("error " + e));
            if (failed.get() > 0) {
                System.exit(1);
            }
        }

        private static void send(OutputStream out, String... parts) throws IOException {
            StringBuilder sb = new StringBuilder();
            sb.append('*').append(parts.length).append("\r\n");
            for (String p : parts) {
                byte[] b = p.getBytes(StandardCharsets.UTF_8);
                sb.append('$').append(b.length).append("\r\n").append(p).append("\r\n");
            }
            out.write(sb.toString().getBytes(StandardCharsets.UTF_8));
            out.flush();
        }

        private static String readLine(InputStream in) throws IOException {
            StringBuilder sb = new StringBuilder();
            int c;
            while ((c = in.read()) != -1) {
                if (c == '\r') {
                    in.read();
                    return sb.toString();
                }
                sb.append((char) c);
            }
            throw new IOException("connection closed by server");
        }
    }
}
