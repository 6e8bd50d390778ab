package io.hydra.bench;

import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;

import io.grpc.StatusRuntimeException;
import io.hydra.api.v1.Container;
import io.hydra.api.v1.CreateRequest;
import io.hydra.api.v1.Empty;
import io.hydra.api.v1.InfoResponse;
import io.hydra.api.v1.ListRequest;
import io.hydra.api.v1.Ref;

/**
 * The events benchmark's Java side (bench/events.sh):
 * <pre>
 *   pause-resume SOCKET PAIRS NAME...         a thread per container, PAIRS x (Pause, Resume); "ops ms ops/s"
 *   backlog-watch SOCKET OUTFILE SECONDS      Info every 20 ms: "epochMs outboxBacklog published" on each change;
 *                                             ends when the backlog was > 0 and is 0 again (or after SECONDS)
 *   exit-run SOCKET ROOTFS PREFIX COUNT GAP_MS  creates and starts PREFIX-i running
 *                                             sh -c 'echo $EPOCHREALTIME; exit 3', one every GAP_MS
 *   exits SOCKET PREFIX                       "id name status exitCode finishedAtMs logPath" per container
 * </pre>
 */
public final class EventsDriver {
    private EventsDriver() {
    }

    public static void main(String[] args) throws Exception {
        java.util.logging.Logger.getLogger("").setLevel(java.util.logging.Level.SEVERE);
        String[] rest = Arrays.copyOfRange(args, 1, args.length);
        switch (args[0]) {
            case "pause-resume" -> pauseResume(rest);
            case "backlog-watch" -> backlogWatch(rest);
            case "exit-run" -> exitRun(rest);
            case "exits" -> exits(rest);
            default -> {
                System.err.println("unknown command " + args[0]);
                System.exit(2);
            }
        }
    }

    private static void pauseResume(String[] a) throws Exception {
        int pairs = Integer.parseInt(a[1]);
        List<String> names = Arrays.asList(a).subList(2, a.length);
        AtomicLong ops = new AtomicLong();
        AtomicLong failed = new AtomicLong();
        List<Thread> threads = new ArrayList<>();
        List<BenchDriver.Conn> conns = new ArrayList<>();
        for (String name : names) {
            BenchDriver.Conn c = new BenchDriver.Conn(a[0]);
            c.system(10_000).version(Empty.getDefaultInstance());
            conns.add(c);
            threads.add(new Thread(() -> {
                Ref ref = Ref.newBuilder().setName(name).build();
                for (int i = 0; i < pairs; i++) {
                    try {
                        c.containers().pause(ref);
                        ops.incrementAndGet();
                        c.containers().resume(ref);
                        ops.incrementAndGet();
                    } catch (StatusRuntimeException e) {
                        failed.incrementAndGet();
                        System.err.println(name + ": " + e.getStatus());
                    }
                }
            }));
        }
        long t0 = System.nanoTime();
        long startMs = System.currentTimeMillis();
        threads.forEach(Thread::start);
        for (Thread t : threads) {
            t.join();
        }
        double ms = (System.nanoTime() - t0) / 1e6;
        long endMs = System.currentTimeMillis();
        conns.forEach(BenchDriver.Conn::close);
        System.out.printf("%d %.0f %.1f %d %d %d%n", ops.get(), ms, ops.get() / (ms / 1000), failed.get(), startMs,
                endMs);
    }

    private static void backlogWatch(String[] a) throws Exception {
        long end = System.currentTimeMillis() + Long.parseLong(a[2]) * 1000;
        boolean seen = false;
        long last = -1;
        String lastPublished = "";
        try (BenchDriver.Conn c = new BenchDriver.Conn(a[0]);
             PrintWriter w = new PrintWriter(Files.newBufferedWriter(Path.of(a[1])))) {
            while (System.currentTimeMillis() < end) {
                InfoResponse i;
                try {
                    i = c.system(5_000).info(Empty.getDefaultInstance());
                } catch (StatusRuntimeException e) {
                    Thread.sleep(20);
                    continue;
                }
                long b = i.getOutboxBacklog();
                String published = i.getEventsMap().getOrDefault("published", "?");
                if (b != last || !published.equals(lastPublished)) {
                    w.println(System.currentTimeMillis() + " " + b + " " + published);
                    w.flush();
                    last = b;
                    lastPublished = published;
                }
                if (b > 0) {
                    seen = true;
                } else if (seen) {
                    break;
                }
                Thread.sleep(20);
            }
        }
    }

    private static void exitRun(String[] a) throws Exception {
        String rootfs = a[1];
        String prefix = a[2];
        int count = Integer.parseInt(a[3]);
        long gap = Long.parseLong(a[4]);
        try (BenchDriver.Conn c = new BenchDriver.Conn(a[0])) {
            c.system(10_000).version(Empty.getDefaultInstance());
            for (int i = 0; i < count; i++) {
                long t0 = System.nanoTime();
                try {
                    c.containers().create(CreateRequest.newBuilder().setName(prefix + "-" + i).setRootfs(rootfs)
                            .addAllArgs(List.of("sh", "-c", "echo $EPOCHREALTIME; exit 3")).setStart(true).build());
                } catch (StatusRuntimeException e) {
                    System.err.println(prefix + "-" + i + ": " + e.getStatus());
                }
                long left = gap - (System.nanoTime() - t0) / 1_000_000;
                if (left > 0) {
                    Thread.sleep(left);
                }
            }
        }
    }

    private static void exits(String[] a) {
        String prefix = a[1];
        try (BenchDriver.Conn c = new BenchDriver.Conn(a[0])) {
            for (Container ct : c.containers().list(ListRequest.newBuilder().setAll(true).build()).getContainersList()) {
                if (!ct.getName().startsWith(prefix)) {
                    continue;
                }
                long fin = -1;
                try {
                    fin = OffsetDateTime.parse(ct.getFinishedAt()).toInstant().toEpochMilli();
                } catch (RuntimeException ignored) {
                    // not finished or not parsable
                }
                System.out.println(ct.getId() + " " + ct.getName() + " " + ct.getStatus() + " "
                        + (ct.getHasExitCode() ? ct.getExitCode() : -1) + " " + fin + " "
                        + (ct.getLogPath().isEmpty() ? "-" : ct.getLogPath()));
            }
        }
    }
}
