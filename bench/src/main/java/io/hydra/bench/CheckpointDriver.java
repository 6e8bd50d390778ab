package io.hydra.bench;

import java.io.IOException;
import java.io.InputStream;
import java.io.PrintWriter;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.Iterator;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import io.grpc.StatusRuntimeException;
import io.hydra.api.v1.CheckpointProgress;
import io.hydra.api.v1.CheckpointRequest;
import io.hydra.api.v1.CheckpointSummary;
import io.hydra.api.v1.CheckpointsGrpc;
import io.hydra.api.v1.Empty;
import io.hydra.api.v1.RestoreRequest;
import net.jpountz.lz4.LZ4Compressor;
import net.jpountz.lz4.LZ4Factory;

/**
 * Checkpoint benchmarks' Java side (bench/checkpoint*.sh):
 * <pre>
 *   checkpoint SOCKET NAME [--leave-running]      one Checkpoint call: "wallMs frozenMs durationMs version logical stored moved"
 *   restore SOCKET NAME [VERSION [AS]]             one Restore call: "wallMs durationMs movedBytes logicalBytes"
 *   checkpoint-par SOCKET OUTFILE [--leave-running] NAME...
 *                                                  one thread per name, all released at once; a line per container:
 *                                                  "name startedAtMs wallMs frozenMs durationMs version" (startedAtMs
 *                                                  since the common release)
 *   stats-dump FILE                                CRIU's stats-dump: "freezingUs frozenUs memdumpUs memwriteUs
 *                                                  pagesScanned pagesWritten"
 *   page-diff DIR_A DIR_B                          pages-*.img of two dumps, 4 KiB page by page (same order):
 *                                                  "pagesA pagesB differing fractionOfA"
 *   lz4-size DIR                                   bytes of every file in DIR, and LZ4 (fast) in 64 KiB blocks
 *   policy SOCKET EVERY KEEP NAME...               SetPolicy on each (EVERY "off": remove the policy)
 *   versions SOCKET NAME...                        "name version createdAtMs frozenMs bytes storedBytes complete"
 * </pre>
 * The gRPC calls are the ones the CLI makes ({@code hydra checkpoint|restore --format json}), without a JVM start per
 * command: the wall time is taken around the call, and frozen/duration are the daemon's own figures.
 */
public final class CheckpointDriver {
    private CheckpointDriver() {
    }

    public static void main(String[] args) throws Exception {
        java.util.logging.Logger.getLogger("").setLevel(java.util.logging.Level.SEVERE);
        String[] rest = Arrays.copyOfRange(args, 1, args.length);
        switch (args[0]) {
            case "checkpoint" -> checkpoint(rest);
            case "restore" -> restore(rest);
            case "checkpoint-par" -> checkpointParallel(rest);
            case "stats-dump" -> statsDump(rest);
            case "page-diff" -> pageDiff(rest);
            case "lz4-size" -> lz4Size(rest);
            case "policy" -> policy(rest);
            case "versions" -> versions(rest);
            default -> {
                System.err.println("unknown command " + args[0]);
                System.exit(2);
            }
        }
    }

    private static CheckpointsGrpc.CheckpointsBlockingStub stub(BenchDriver.Conn c) {
        return CheckpointsGrpc.newBlockingStub(c.channel).withDeadlineAfter(600, TimeUnit.SECONDS);
    }

    private static CheckpointSummary last(Iterator<CheckpointProgress> it) {
        CheckpointProgress last = null;
        while (it.hasNext()) {
            last = it.next();
        }
        if (last == null || !last.hasSummary()) {
            throw new IllegalStateException("no summary from the daemon");
        }
        return last.getSummary();
    }

    private static void checkpoint(String[] a) {
        boolean leave = a.length > 2 && a[2].equals("--leave-running");
        try (BenchDriver.Conn c = new BenchDriver.Conn(a[0])) {
            c.system(10_000).version(Empty.getDefaultInstance());
            long t0 = System.nanoTime();
            CheckpointSummary s = last(stub(c).checkpoint(
                    CheckpointRequest.newBuilder().setName(a[1]).setLeaveRunning(leave).build()));
            double wall = (System.nanoTime() - t0) / 1e6;
            System.out.printf("%.1f %d %d %d %d %d %d%n", wall, s.getFrozenMs(), s.getDurationMs(), s.getVersion(),
                    s.getLogicalBytes(), s.getStoredBytes(), s.getMovedBytes());
        } catch (StatusRuntimeException e) {
            System.err.println("checkpoint " + a[1] + ": " + e.getStatus());
            System.exit(1);
        }
    }

    private static void restore(String[] a) {
        long version = a.length > 2 ? Long.parseLong(a[2]) : 0;
        String as = a.length > 3 ? a[3] : "";
        try (BenchDriver.Conn c = new BenchDriver.Conn(a[0])) {
            c.system(10_000).version(Empty.getDefaultInstance());
            long t0 = System.nanoTime();
            CheckpointSummary s = last(stub(c).restore(
                    RestoreRequest.newBuilder().setName(a[1]).setVersion(version).setAs(as).build()));
            double wall = (System.nanoTime() - t0) / 1e6;
            System.out.printf("%.1f %d %d %d%n", wall, s.getDurationMs(), s.getMovedBytes(), s.getLogicalBytes());
        } catch (StatusRuntimeException e) {
            System.err.println("restore " + a[1] + ": " + e.getStatus());
            System.exit(1);
        }
    }

    private static void checkpointParallel(String[] a) throws Exception {
        Path out = Path.of(a[1]);
        int i = 2;
        boolean leave = false;
        if (a[i].equals("--leave-running")) {
            leave = true;
            i++;
        }
        List<String> names = Arrays.asList(a).subList(i, a.length);
        String[] lines = new String[names.size()];
        CountDownLatch ready = new CountDownLatch(names.size());
        CountDownLatch go = new CountDownLatch(1);
        long[] release = new long[1];
        List<Thread> threads = new ArrayList<>();
        List<BenchDriver.Conn> conns = new ArrayList<>();
        for (int k = 0; k < names.size(); k++) {
            int idx = k;
            String name = names.get(k);
            BenchDriver.Conn c = new BenchDriver.Conn(a[0]);
            conns.add(c);
            c.system(10_000).version(Empty.getDefaultInstance()); // connected before the release
            boolean lr = leave;
            Thread t = new Thread(() -> {
                ready.countDown();
                try {
                    go.await();
                    long t0 = System.nanoTime();
                    CheckpointSummary s = last(stub(c).checkpoint(
                            CheckpointRequest.newBuilder().setName(name).setLeaveRunning(lr).build()));
                    long t1 = System.nanoTime();
                    lines[idx] = String.format("%s %.1f %.1f %d %d %d", name, (t0 - release[0]) / 1e6,
                            (t1 - t0) / 1e6, s.getFrozenMs(), s.getDurationMs(), s.getVersion());
                } catch (Exception e) {
                    lines[idx] = name + " FAILED " + e;
                }
            });
            t.start();
            threads.add(t);
        }
        ready.await();
        release[0] = System.nanoTime();
        go.countDown();
        for (Thread t : threads) {
            t.join();
        }
        double all = (System.nanoTime() - release[0]) / 1e6;
        conns.forEach(BenchDriver.Conn::close);
        try (PrintWriter w = new PrintWriter(Files.newBufferedWriter(out))) {
            for (String l : lines) {
                w.println(l);
            }
        }
        System.out.printf("%d checkpoints in %.1f ms%n", names.size(), all);
    }

    private static void policy(String[] a) {
        boolean off = a[1].equals("off");
        try (BenchDriver.Conn c = new BenchDriver.Conn(a[0])) {
            for (String name : Arrays.asList(a).subList(3, a.length)) {
                io.hydra.api.v1.Policy p = stub(c).setPolicy(io.hydra.api.v1.PolicyRequest.newBuilder().setName(name)
                        .setEvery(off ? "" : a[1]).setKeep(Integer.parseInt(a[2])).setRemove(off).build());
                System.out.println(name + " " + (off ? "removed" : p.getEveryMs() + " " + p.getNextDue()));
            }
        }
    }

    private static void versions(String[] a) {
        try (BenchDriver.Conn c = new BenchDriver.Conn(a[0])) {
            for (String name : Arrays.asList(a).subList(1, a.length)) {
                for (io.hydra.api.v1.CheckpointVersion v : stub(c).list(
                        io.hydra.api.v1.Ref.newBuilder().setName(name).build()).getVersionsList()) {
                    long created = -1;
                    try {
                        created = java.time.OffsetDateTime.parse(v.getCreatedAt()).toInstant().toEpochMilli();
                    } catch (RuntimeException e) {
                        try {
                            created = java.time.Instant.parse(v.getCreatedAt()).toEpochMilli();
                        } catch (RuntimeException ignored) {
                            // left at -1
                        }
                    }
                    System.out.println(name + " " + v.getVersion() + " " + created + " " + v.getFrozenMs() + " "
                            + v.getBytes() + " " + v.getStoredBytes() + " " + v.getComplete());
                }
            }
        }
    }

    // ---- CRIU images

    /** The same layout DumpStatistics (plugins/criu) decodes: magic, magic, length, StatsEntry{1: DumpStatsEntry}. */
    private static void statsDump(String[] a) throws IOException {
        ByteBuffer b = ByteBuffer.wrap(Files.readAllBytes(Path.of(a[0]))).order(ByteOrder.LITTLE_ENDIAN);
        b.position(8);
        int length = b.getInt();
        ByteBuffer entry = b.slice(b.position(), length);
        long[] f = new long[8];
        while (entry.hasRemaining()) {
            long key = varint(entry);
            if (key == ((1 << 3) | 2)) {
                int size = (int) varint(entry);
                ByteBuffer d = entry.slice(entry.position(), size);
                while (d.hasRemaining()) {
                    long k = varint(d);
                    int field = (int) (k >>> 3);
                    if ((k & 7) != 0) {
                        skip(d, (int) (k & 7));
                        continue;
                    }
                    long v = varint(d);
                    if (field < f.length) {
                        f[field] = v;
                    }
                }
                break;
            }
            skip(entry, (int) (key & 7));
        }
        System.out.printf("%d %d %d %d %d %d%n", f[1], f[2], f[3], f[4], f[5], f[7]);
    }

    private static long varint(ByteBuffer b) {
        long value = 0;
        for (int shift = 0; shift < 64; shift += 7) {
            byte x = b.get();
            value |= (long) (x & 0x7f) << shift;
            if ((x & 0x80) == 0) {
                return value;
            }
        }
        throw new IllegalArgumentException("varint too long");
    }

    private static void skip(ByteBuffer b, int wireType) {
        switch (wireType) {
            case 0 -> varint(b);
            case 1 -> b.position(b.position() + 8);
            case 2 -> b.position(b.position() + (int) varint(b));
            case 5 -> b.position(b.position() + 4);
            default -> throw new IllegalArgumentException("wire type " + wireType);
        }
    }

    private static List<Path> pageImages(Path dir) throws IOException {
        try (Stream<Path> s = Files.list(dir)) {
            return s.filter(p -> p.getFileName().toString().matches("pages-[0-9]+\\.img"))
                    .sorted(Comparator.comparing(Path::toString)).toList();
        }
    }

    private static List<byte[]> pageHashes(Path dir) throws Exception {
        List<byte[]> hashes = new ArrayList<>();
        MessageDigest md = MessageDigest.getInstance("SHA-256");
        byte[] page = new byte[4096];
        for (Path p : pageImages(dir)) {
            try (InputStream in = new java.io.BufferedInputStream(Files.newInputStream(p), 1 << 20)) {
                while (in.readNBytes(page, 0, page.length) == page.length) {
                    hashes.add(md.digest(page));
                }
            }
        }
        return hashes;
    }

    private static void pageDiff(String[] a) throws Exception {
        List<byte[]> x = pageHashes(Path.of(a[0]));
        List<byte[]> y = pageHashes(Path.of(a[1]));
        int n = Math.min(x.size(), y.size());
        long diff = Math.abs(x.size() - y.size());
        for (int i = 0; i < n; i++) {
            if (!Arrays.equals(x.get(i), y.get(i))) {
                diff++;
            }
        }
        System.out.printf("%d %d %d %.4f%n", x.size(), y.size(), diff, x.isEmpty() ? 0.0 : (double) diff / x.size());
    }

    private static void lz4Size(String[] a) throws IOException {
        LZ4Compressor lz4 = LZ4Factory.fastestInstance().fastCompressor();
        byte[] block = new byte[64 * 1024];
        byte[] out = new byte[lz4.maxCompressedLength(block.length)];
        long plain = 0;
        long packed = 0;
        try (Stream<Path> s = Files.walk(Path.of(a[0]))) {
            for (Path p : s.filter(Files::isRegularFile).toList()) {
                try (InputStream in = Files.newInputStream(p)) {
                    int n;
                    while ((n = in.readNBytes(block, 0, block.length)) > 0) {
                        plain += n;
                        // stored as Hydra stores a chunk: compressed only when it gets smaller
                        packed += Math.min(n, lz4.compress(block, 0, n, out, 0, out.length));
                        if (n < block.length) {
                            break;
                        }
                    }
                }
            }
        }
        System.out.printf("%d %d%n", plain, packed);
    }
}
