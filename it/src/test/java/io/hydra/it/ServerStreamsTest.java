package io.hydra.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import io.grpc.ManagedChannel;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.netty.shaded.io.netty.channel.EventLoopGroup;
import io.grpc.netty.shaded.io.netty.channel.epoll.EpollDomainSocketChannel;
import io.grpc.netty.shaded.io.netty.channel.epoll.EpollEventLoopGroup;
import io.grpc.netty.shaded.io.netty.channel.unix.DomainSocketAddress;
import io.grpc.stub.StreamObserver;
import io.hydra.api.v1.ContainersGrpc;
import io.hydra.api.v1.Event;
import io.hydra.api.v1.EventsGrpc;
import io.hydra.api.v1.EventsRequest;
import io.hydra.api.v1.LogChunk;
import io.hydra.api.v1.LogsRequest;

/**
 * The daemon's server streams under real clients: a slow reader is not buffered for, a follower costs no thread,
 * and a client that goes away frees what its stream held; {@code logs -f} survives conmon replacing the log.
 */
class ServerStreamsTest {
    static HydraDaemonProcess daemon;
    static Path rootfs;
    static int httpPort;
    static Path conmonDir;

    @BeforeAll
    static void up() throws Exception {
        try (ServerSocket s = new ServerSocket(0)) {
            httpPort = s.getLocalPort();
        }
        Path dir = conmonDir = Files.createTempDirectory(Path.of("/tmp"), "hydra-it-conmon-");
        // the real conmon, with a small log size limit so that it replaces the log while we follow it (given last:
        // conmon takes the last value, whatever the plugin passes itself)
        Path conmon = dir.resolve("conmon-small-log");
        Files.writeString(conmon, "#!/bin/sh\nexec /usr/bin/conmon \"$@\" --log-size-max 65536\n");
        Files.setPosixFilePermissions(conmon, PosixFilePermissions.fromString("rwx------"));
        daemon = new HydraDaemonProcess("streams", "hydra.http-port=" + httpPort,
                "hydra.plugin.monitor.lazy.conmon-path=" + conmon).start();
        rootfs = BusyboxRootfs.create(daemon.dir.resolve("rootfs"));
    }

    @AfterAll
    static void down() throws Exception {
        daemon.close();
        HydraDaemonProcess.sh("rm", "-rf", conmonDir.toString());
    }

    static ManagedChannel channel(EventLoopGroup group) {
        return NettyChannelBuilder.forAddress(new DomainSocketAddress(daemon.socket.toString()))
                .eventLoopGroup(group).channelType(EpollDomainSocketChannel.class).usePlaintext()
                .maxInboundMessageSize(64 << 20).build();
    }

    /** One client, HTTP/1.1 (no h2c upgrade dance), with a deadline on every scrape. */
    static final HttpClient HTTP = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(10)).build();

    static String metrics() {
        try {
            return HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + httpPort + "/q/metrics"))
                    .timeout(Duration.ofSeconds(20)).build(), HttpResponse.BodyHandlers.ofString()).body();
        } catch (Exception e) {
            throw new AssertionError("cannot read the daemon's metrics", e);
        }
    }

    /** The sum of every series of a metric (e.g. heap use across pools). */
    static double metric(String text, String name) {
        Matcher m = Pattern.compile("(?m)^" + Pattern.quote(name) + "(\\{[^}]*})? ([0-9.E+-]+)$").matcher(text);
        double sum = 0;
        boolean found = false;
        while (m.find()) {
            sum += Double.parseDouble(m.group(2));
            found = true;
        }
        if (!found) {
            throw new AssertionError("metric " + name + " is not in /q/metrics");
        }
        return sum;
    }

    static double heapUsed(String text) {
        Matcher m = Pattern.compile("(?m)^jvm_memory_used_bytes\\{[^}]*area=\"heap\"[^}]*} ([0-9.E+-]+)$").matcher(text);
        double sum = 0;
        while (m.find()) {
            sum += Double.parseDouble(m.group(1));
        }
        return sum;
    }

    @Test
    void aSlowLogsFollowerIsNotBufferedFor() throws Exception {
        long total = 24L << 20;
        // 64-byte lines (63 characters and a newline), 24 MiB of them (under any log size limit), then quiet
        daemon.ok("run", "-d", "--name", "chatty", "--monitor", "eager", "--rootfs", rootfs.toString(), "--", "sh",
                "-c", "yes 0123456789abcdefghijklmnopqrstuvwxyz0123456789abcdefghijklmnopqrstu | cut -c1-63 | head -c "
                        + total + "; exec sleep 1000");
        Path log = daemon.root.resolve("containers").resolve(daemon.inspect("chatty").get("id").asText())
                .resolve("ctr.log");
        EventLoopGroup group = new EpollEventLoopGroup(1);
        ManagedChannel ch = channel(group);
        try {
            double sentBefore = metric(metrics(), "hydra_streams_sent_bytes_total");
            Iterator<LogChunk> logs = ContainersGrpc.newBlockingStub(ch)
                    .logs(LogsRequest.newBuilder().setName("chatty").setFollow(true).build());
            byte[] line = "0123456789abcdefghijklmnopqrstuvwxyz0123456789abcdefghijklmnopqrstuvwxyz".substring(0, 63)
                    .concat("\n").getBytes(StandardCharsets.US_ASCII);
            long received = 0;
            received = check(logs.next(), line, received);
            // the container writes everything while we read nothing more
            HydraDaemonProcess.awaitTrue(Duration.ofSeconds(120), () -> {
                try {
                    return Files.size(log) >= total * 100 / 64; // each 64-byte line is a ~100-byte record
                } catch (java.io.IOException e) {
                    return false;
                }
            }, "the container to write its " + total + " bytes");
            // however long we look, the daemon hands gRPC no more than the client's windows can hold
            long bound = 8L << 20;
            long deadline = System.nanoTime() + Duration.ofSeconds(3).toNanos();
            double maxAhead = 0;
            String text = "";
            do {
                text = metrics();
                double ahead = metric(text, "hydra_streams_sent_bytes_total") - sentBefore - received;
                maxAhead = Math.max(maxAhead, ahead);
                assertTrue(ahead < bound, "the daemon sent " + (long) ahead + " bytes ahead of a reader that took "
                        + received + ": it buffers for a slow reader (heap " + (long) heapUsed(text) + ")");
                Thread.sleep(200);
            } while (System.nanoTime() < deadline);
            assertTrue(heapUsed(text) < 200 << 20, "daemon heap " + (long) heapUsed(text));
            // and the reader, once it reads, gets every byte in order
            while (received < total) {
                received = check(logs.next(), line, received);
            }
            assertEquals(total, received, "every byte the container wrote, no more");
            System.out.println("slow follower: at most " + (long) maxAhead + " bytes ahead of the reader, "
                    + total + " written");
        } finally {
            ch.shutdownNow();
            group.shutdownGracefully();
            daemon.ok("rm", "-f", "chatty");
        }
    }

    /** Checks that the chunk continues the stream of repeated lines at offset {@code at}; returns the new offset. */
    private static long check(LogChunk chunk, byte[] line, long at) {
        byte[] data = chunk.getData().toByteArray();
        for (int i = 0; i < data.length; i++) {
            if (data[i] != line[(int) ((at + i) % line.length)]) {
                throw new AssertionError("byte " + (at + i) + " of the log is '" + (char) data[i] + "'");
            }
        }
        return at + data.length;
    }

    @Test
    void followersCostNoThreadAndCancellingFreesThem() throws Exception {
        daemon.ok("run", "-d", "--name", "quiet", "--monitor", "eager", "--rootfs", rootfs.toString(), "--",
                "sleep", "1000");
        int streams = 40;
        EventLoopGroup group = new EpollEventLoopGroup(1);
        ManagedChannel ch = channel(group);
        try {
            HydraDaemonProcess.awaitTrue(Duration.ofSeconds(10),
                    () -> metric(metrics(), "hydra_streams_active") == 0, "no stream open");
            double threadsBefore = metric(metrics(), "jvm_threads_live_threads");
            List<CompletableFuture<Void>> ended = new ArrayList<>();
            List<java.util.concurrent.atomic.AtomicInteger> eventsSeen = new ArrayList<>();
            for (int i = 0; i < streams; i++) {
                CompletableFuture<Void> end = new CompletableFuture<>();
                ended.add(end);
                java.util.concurrent.atomic.AtomicInteger seen = new java.util.concurrent.atomic.AtomicInteger();
                if (i % 2 == 1) {
                    eventsSeen.add(seen);
                }
                StreamObserver<Object> ignoring = new StreamObserver<>() {
                    @Override
                    public void onNext(Object value) {
                        seen.incrementAndGet();
                    }

                    @Override
                    public void onError(Throwable t) {
                        end.complete(null);
                    }

                    @Override
                    public void onCompleted() {
                        end.complete(null);
                    }
                };
                if (i % 2 == 0) {
                    ContainersGrpc.newStub(ch).logs(LogsRequest.newBuilder().setName("quiet").setFollow(true).build(),
                            cast(ignoring));
                } else {
                    EventsGrpc.newStub(ch).stream(EventsRequest.newBuilder().setFollow(true).build(), cast(ignoring));
                }
                // one at a time, so the request pool needs no more threads to accept them than for one: what is
                // counted is what the open streams hold
                int open = i + 1;
                HydraDaemonProcess.awaitTrue(Duration.ofSeconds(30),
                        () -> metric(metrics(), "hydra_streams_active") == open, open + " streams open");
            }
            HydraDaemonProcess.awaitTrue(Duration.ofSeconds(30),
                    () -> metric(metrics(), "hydra_streams_active") == streams, streams + " streams open");
            double threadsOpen = metric(metrics(), "jvm_threads_live_threads");
            assertTrue(threadsOpen - threadsBefore < 8, streams + " followers took " + (threadsOpen - threadsBefore)
                    + " threads (" + threadsBefore + " before)");
            assertTrue(ended.stream().noneMatch(CompletableFuture::isDone), "followers of a running container go on");
            // and every idle follower is still served: a new event reaches each of them
            List<Integer> before = eventsSeen.stream().map(java.util.concurrent.atomic.AtomicInteger::get).toList();
            daemon.ok("pause", "quiet");
            HydraDaemonProcess.awaitTrue(Duration.ofSeconds(30), () -> {
                for (int i = 0; i < before.size(); i++) {
                    if (eventsSeen.get(i).get() <= before.get(i)) {
                        return false;
                    }
                }
                return true;
            }, "the pause event to reach every events follower");
            daemon.ok("resume", "quiet");

            // the clients go away without a word
            ch.shutdownNow();
            HydraDaemonProcess.awaitTrue(Duration.ofSeconds(30),
                    () -> metric(metrics(), "hydra_streams_active") == 0, "every cancelled stream closed");
            System.out.println("followers: " + streams + " streams took " + (threadsOpen - threadsBefore)
                    + " threads");
        } finally {
            ch.shutdownNow();
            group.shutdownGracefully();
            daemon.ok("rm", "-f", "quiet");
        }
    }

    @Test
    void anExecNotReadIsNotBufferedForAndCancellingStopsItAsAnAttachIsClosed() throws Exception {
        daemon.ok("run", "-d", "--name", "host", "-i", "--monitor", "eager", "--rootfs", rootfs.toString(), "--",
                "sleep", "1000");
        EventLoopGroup group = new EpollEventLoopGroup(1);
        ManagedChannel ch = channel(group);
        try {
            HydraDaemonProcess.awaitTrue(Duration.ofSeconds(10),
                    () -> metric(metrics(), "hydra_streams_active") == 0, "no stream open");
            double sentBefore = metric(metrics(), "hydra_streams_sent_bytes_total");
            Iterator<io.hydra.api.v1.ExecOutput> exec = ContainersGrpc.newBlockingStub(ch).exec(
                    io.hydra.api.v1.ExecRequest.newBuilder().setName("host").addAllArgs(List.of("yes", "exec-chatter"))
                            .build());
            long received = exec.next().getOutput().getData().size();
            HydraDaemonProcess.awaitTrue(Duration.ofSeconds(30),
                    () -> daemon.ok("top", "host").out().contains("yes exec-chatter"), "the exec to run");
            long deadline = System.nanoTime() + Duration.ofSeconds(3).toNanos();
            do {
                double ahead = metric(metrics(), "hydra_streams_sent_bytes_total") - sentBefore - received;
                assertTrue(ahead < 8 << 20, "the daemon read " + (long) ahead + " bytes of an exec's output ahead of"
                        + " its reader");
                Thread.sleep(200);
            } while (System.nanoTime() < deadline);
            assertTrue(exec.next().getOutput().getData().toStringUtf8().contains("exec-chatter"), "the output flows");

            StreamObserver<io.hydra.api.v1.AttachInput> attach = ContainersGrpc.newStub(ch).attach(
                    new StreamObserver<>() {
                        @Override
                        public void onNext(LogChunk value) {
                        }

                        @Override
                        public void onError(Throwable t) {
                        }

                        @Override
                        public void onCompleted() {
                        }
                    });
            attach.onNext(io.hydra.api.v1.AttachInput.newBuilder().setName("host").build());
            HydraDaemonProcess.awaitTrue(Duration.ofSeconds(30), () -> metric(metrics(), "hydra_streams_active") == 2,
                    "the exec and the attach open");

            // the client goes away: the exec's process is stopped, the attach session closed
            ch.shutdownNow();
            HydraDaemonProcess.awaitTrue(Duration.ofSeconds(30),
                    () -> !daemon.ok("top", "host").out().contains("yes exec-chatter"), "the exec to be stopped");
            HydraDaemonProcess.awaitTrue(Duration.ofSeconds(30), () -> metric(metrics(), "hydra_streams_active") == 0,
                    "both streams closed");
            assertEquals("running", daemon.status("host"), "the container itself runs on");
        } finally {
            ch.shutdownNow();
            group.shutdownGracefully();
            daemon.ok("rm", "-f", "host");
        }
    }

    /** An exec that ignores SIGTERM is killed after a grace once its client went away (it ran on forever). */
    @Test
    void anExecIgnoringTermIsKilledWhenItsClientGoes() throws Exception {
        daemon.ok("run", "-d", "--name", "deaf", "--rootfs", rootfs.toString(), "--", "sleep", "1000");
        EventLoopGroup group = new EpollEventLoopGroup(1);
        ManagedChannel ch = channel(group);
        try {
            Iterator<io.hydra.api.v1.ExecOutput> exec = ContainersGrpc.newBlockingStub(ch).exec(
                    io.hydra.api.v1.ExecRequest.newBuilder().setName("deaf").addAllArgs(List.of("sh", "-c",
                            "trap '' TERM; echo deaf-exec-ready; while true; do sleep 1; done")).build());
            assertTrue(exec.next().getOutput().getData().toStringUtf8().contains("deaf-exec-ready"));
            assertTrue(daemon.ok("top", "deaf").out().contains("deaf-exec-ready"), "the exec runs");
            ch.shutdownNow();
            HydraDaemonProcess.awaitTrue(Duration.ofSeconds(40),
                    () -> !daemon.ok("top", "deaf").out().contains("deaf-exec-ready"),
                    "the exec that ignores SIGTERM to be killed");
            assertEquals("running", daemon.status("deaf"), "the container itself runs on");
        } finally {
            ch.shutdownNow();
            group.shutdownGracefully();
            daemon.ok("rm", "-f", "deaf");
        }
    }

    @SuppressWarnings("unchecked")
    private static <T> StreamObserver<T> cast(StreamObserver<Object> o) {
        return (StreamObserver<T>) (StreamObserver<?>) o;
    }

    @Test
    void logsFollowSurvivesConmonReplacingTheLog() throws Exception {
        int lines = 4000;
        daemon.ok("create", "--name", "rotating", "--monitor", "lazy", "--rootfs", rootfs.toString(), "--", "sh", "-c",
                "i=1; while [ $i -le " + lines + " ]; do echo line-$i; if [ $((i % 200)) = 0 ]; then sleep 0.2; fi;"
                        + " i=$((i+1)); done");
        String id = daemon.inspect("rotating").get("id").asText();
        CompletableFuture<HydraDaemonProcess.Result> follow =
                CompletableFuture.supplyAsync(() -> daemon.hydra("logs", "-f", "rotating"));
        HydraDaemonProcess.awaitTrue(Duration.ofSeconds(20), () -> metric(metrics(), "hydra_streams_active") >= 1,
                "the follower to be there");
        daemon.ok("start", "rotating");
        HydraDaemonProcess.Result r = follow.get(180, java.util.concurrent.TimeUnit.SECONDS);
        assertEquals(0, r.code(), r.err());
        StringBuilder expected = new StringBuilder();
        for (int i = 1; i <= lines; i++) {
            expected.append("line-").append(i).append('\n');
        }
        assertEquals(expected.toString(), r.out(), "every line once, in order, across the log's replacements");
        // conmon really did replace it: what is left in the file is only the newest part
        String now = daemon.ok("logs", "rotating").out();
        assertTrue(!now.startsWith("line-1\n") && now.endsWith("line-" + lines + "\n"),
                "conmon replaced the log (it begins with " + now.lines().findFirst().orElse("nothing") + ")");
        assertTrue(Files.size(daemon.root.resolve("containers").resolve(id).resolve("ctr.log")) <= 65536);
        daemon.ok("rm", "rotating");
    }
}
