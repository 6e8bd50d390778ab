package io.hydra.runtime.container;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

import io.hydra.spi.monitor.ProcessIdentity;

/** Figures the kernel keeps about a container's processes and its cgroups (v1 controllers, or the v2 tree). */
public final class ContainerProbe {
    public record ProcessInfo(int pid, int ppid, String state, long rssBytes, String command) {
    }

    public record Stats(long memoryUsage, long memoryLimit, long memoryMaxUsage, long cpuNanos, long pids) {
    }

    private ContainerProbe() {
    }

    public static List<ProcessInfo> processes(List<Integer> pids) {
        List<ProcessInfo> out = new ArrayList<>();
        for (int pid : pids) {
            Path proc = Path.of("/proc", Integer.toString(pid));
            try {
                String stat = Files.readString(proc.resolve("stat"));
                String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
                long rssPages = Long.parseLong(f[21]);
                String cmdline = new String(Files.readAllBytes(proc.resolve("cmdline"))).replace('\0', ' ').trim();
                if (cmdline.isEmpty()) {
                    cmdline = stat.substring(stat.indexOf('(') + 1, stat.lastIndexOf(')'));
                }
                out.add(new ProcessInfo(pid, Integer.parseInt(f[1]), f[0], rssPages * 4096, cmdline));
            } catch (IOException | RuntimeException e) {
                // exited while we looked
            }
        }
        return out;
    }

    /**
     * The figures of the cgroup the very process {@code process} is in, or empty when that process is gone (its pid
     * may belong to another process by now: its cgroup is not the container's). The identity is checked before and
     * after the cgroup is looked up, so a pid recycled in between is caught too.
     */
    public static Optional<Stats> stats(ProcessIdentity process) {
        if (!process.isAlive()) {
            return Optional.empty();
        }
        Stats s = stats(process.pid());
        return process.isAlive() ? Optional.of(s) : Optional.empty();
    }

    private static Stats stats(int pid) {
        return new Stats(
                read(pid, "memory", "memory.usage_in_bytes", "memory.current"),
                read(pid, "memory", "memory.limit_in_bytes", "memory.max"),
                read(pid, "memory", "memory.max_usage_in_bytes", "memory.peak"),
                cpuNanos(pid),
                read(pid, "pids", "pids.current", "pids.current"));
    }

    private static long cpuNanos(int pid) {
        long v1 = read(pid, "cpuacct", "cpuacct.usage", null);
        if (v1 >= 0) {
            return v1;
        }
        return cgroupDir(pid, "").map(dir -> {
            try {
                for (String line : Files.readAllLines(dir.resolve("cpu.stat"))) {
                    if (line.startsWith("usage_usec ")) {
                        return Long.parseLong(line.substring(11).trim()) * 1000;
                    }
                }
            } catch (IOException | RuntimeException ignored) {
                // no figure
            }
            return -1L;
        }).orElse(-1L);
    }

    private static long read(int pid, String controller, String v1File, String v2File) {
        Optional<Path> v1 = cgroupDir(pid, controller);
        if (v1.isPresent() && Files.exists(v1.get().resolve(v1File))) {
            return parse(v1.get().resolve(v1File));
        }
        if (v2File != null) {
            Optional<Path> v2 = cgroupDir(pid, "");
            if (v2.isPresent() && Files.exists(v2.get().resolve(v2File))) {
                return parse(v2.get().resolve(v2File));
            }
        }
        return -1;
    }

    private static long parse(Path file) {
        try {
            String s = Files.readString(file).trim();
            return "max".equals(s) ? Long.MAX_VALUE : Long.parseLong(s);
        } catch (IOException | NumberFormatException e) {
            return -1;
        }
    }

    /** The cgroup directory of {@code pid} for a v1 controller, or for the v2 tree when controller is "". */
    private static Optional<Path> cgroupDir(int pid, String controller) {
        try {
            for (String line : Files.readAllLines(Path.of("/proc", Integer.toString(pid), "cgroup"))) {
                String[] f = line.split(":", 3);
                if (f.length < 3) {
                    continue;
                }
                if (controller.isEmpty() && f[0].equals("0") && f[1].isEmpty()) {
                    Path unified = Files.exists(Path.of("/sys/fs/cgroup/unified")) ? Path.of("/sys/fs/cgroup/unified")
                            : Path.of("/sys/fs/cgroup");
                    return Optional.of(Path.of(unified + f[2]));
                }
                if (!controller.isEmpty() && List.of(f[1].split(",")).contains(controller)) {
                    try (var dirs = Files.list(Path.of("/sys/fs/cgroup"))) {
                        Optional<Path> mount = dirs.filter(d -> List.of(d.getFileName().toString().split(","))
                                .contains(controller)).findFirst();
                        if (mount.isPresent()) {
                            return Optional.of(Path.of(mount.get() + f[2]));
                        }
                    }
                }
            }
        } catch (IOException e) {
            return Optional.empty();
        }
        return Optional.empty();
    }
}
