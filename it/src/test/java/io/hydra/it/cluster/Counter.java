package io.hydra.it.cluster;

import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * The counter container: a busybox shell counting in its own memory (so only a checkpoint/restore carries the
 * value on), printing each value with the machine's uptime from /proc/uptime (one clock for every copy on this
 * machine: two live copies would interleave their stamps).
 */
final class Counter {
    static final String SCRIPT = "i=0; while true; do i=$((i+1)); read up rest </proc/uptime; echo \"tick $i $up\";"
            + " sleep 0.1; done";

    /** One output line: the counter's value and when it was printed (seconds of uptime). */
    record Tick(long value, double uptime, String line) {
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

    static List<Tick> ticks(Collection<String> lines) {
        List<Tick> ticks = new ArrayList<>();
        for (String line : lines) {
            String[] f = line.trim().split(" ");
            if (f.length == 3 && f[0].equals("tick")) {
                ticks.add(new Tick(Long.parseLong(f[1]), Double.parseDouble(f[2]), line.trim()));
            }
        }
        return ticks;
    }

    /** The lines of {@code copy} that {@code other} does not also hold (a log copied with a checkpoint). */
    static List<Tick> only(List<Tick> copy, List<Tick> other) {
        Set<String> seen = new LinkedHashSet<>();
        other.forEach(t -> seen.add(t.line()));
        return copy.stream().filter(t -> !seen.contains(t.line())).toList();
    }

    static long last(List<Tick> ticks) {
        return ticks.isEmpty() ? 0 : ticks.get(ticks.size() - 1).value();
    }
}
