package io.hydra.it.cluster;

import java.util.ArrayList;
import java.util.Collection;
import java.util.List;

/**
 * The counter container: a busybox shell counting in its own memory (so only a checkpoint/restore carries the
 * value on), printing each value with the machine's uptime from /proc/uptime (one clock for every copy on this
 * machine: two live copies would interleave their stamps).
 */
final class Counter {
    static final String SCRIPT = "i=0; while true; do i=$((i+1)); echo \"tick $i\"; sleep 0.1; done";

    /**
     * One output line: the counter's value and when the node's monitor logged it (seconds since the epoch, from
     * conmon's own stamp, NaN for a line read through {@code hydra logs}). Not a clock the container reads: CRIU
     * restores a container's monotonic and boot clocks as they were at the dump (a time namespace), so a restored
     * copy's /proc/uptime lags the machine's, while the monitors on every node stamp with the one wall clock.
     */
    record Tick(long value, double at, String line) {
    }

    private Counter() {
    }

    /** {@code hydra run} arguments of a counter named {@code name} on {@code rootfs}, plus {@code options}. */
    static String[] runArgs(String name, java.nio.file.Path rootfs, String... options) {
        List<String> args = new ArrayList<>(List.of("run", "-d", "--name", name));
        args.addAll(List.of(options));
        args.addAll(List.of("--rootfs", rootfs.toString(), "--", "sh", "-c", SCRIPT));
        return args.toArray(String[]::new);
    }

    /** The ticks of output lines as {@code hydra logs} prints them. */
    static List<Tick> ticks(Collection<String> lines) {
        List<Tick> ticks = new ArrayList<>();
        for (String line : lines) {
            String[] f = line.trim().split(" ");
            if (f.length == 2 && f[0].equals("tick")) {
                ticks.add(new Tick(Long.parseLong(f[1]), Double.NaN, line.trim()));
            }
        }
        return ticks;
    }

    /** The ticks of a monitor's log lines ({@code 2026-12-02T06:46:30.313501560+00:00 stdout F tick 51}). */
    static List<Tick> stampedTicks(Collection<String> logLines) {
        List<Tick> ticks = new ArrayList<>();
        for (String line : logLines) {
            String[] f = line.trim().split(" ");
            if (f.length == 5 && f[3].equals("tick")) {
                java.time.Instant at = java.time.OffsetDateTime.parse(f[0]).toInstant();
                ticks.add(new Tick(Long.parseLong(f[4]), at.getEpochSecond() + at.getNano() / 1e9, line.trim()));
            }
        }
        return ticks;
    }

    static long last(List<Tick> ticks) {
        return ticks.isEmpty() ? 0 : ticks.get(ticks.size() - 1).value();
    }
}
