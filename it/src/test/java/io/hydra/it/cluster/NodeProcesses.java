package io.hydra.it.cluster;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Stream;

/** The host's process table read from /proc: parents, command lines, and killing a set of processes at once. */
final class NodeProcesses {
    private NodeProcesses() {
    }

    /** {@code roots} and all their descendants. */
    static Set<Long> withDescendants(Set<Long> roots) throws IOException {
        Map<Long, List<Long>> children = new HashMap<>();
        try (Stream<Path> procs = Files.list(Path.of("/proc"))) {
            for (Path p : procs.filter(p -> p.getFileName().toString().matches("\\d+")).toList()) {
                Long parent = parent(p);
                if (parent != null) {
                    children.computeIfAbsent(parent, k -> new java.util.ArrayList<>())
                            .add(Long.parseLong(p.getFileName().toString()));
                }
            }
        }
        Set<Long> all = new TreeSet<>(roots);
        Deque<Long> todo = new ArrayDeque<>(roots);
        while (!todo.isEmpty()) {
            for (Long child : children.getOrDefault(todo.pop(), List.of())) {
                if (all.add(child)) {
                    todo.push(child);
                }
            }
        }
        return all;
    }

    static String commandLine(long pid) {
        try {
            return new String(Files.readAllBytes(Path.of("/proc/" + pid + "/cmdline"))).replace('\0', ' ').trim();
        } catch (IOException gone) {
            return "";
        }
    }

    /** Running or stopped, not gone and not a zombie waiting for its parent. */
    static boolean alive(long pid) {
        try {
            String stat = Files.readString(Path.of("/proc/" + pid + "/stat"));
            return stat.charAt(stat.lastIndexOf(')') + 2) != 'Z';
        } catch (IOException | RuntimeException gone) {
            return false;
        }
    }

    /**
     * Stops every process first (SIGSTOP: none of them can react to the others dying, as when a machine loses
     * power), then SIGKILLs them all.
     */
    static void killAtOnce(Set<Long> pids) throws IOException, InterruptedException {
        if (pids.isEmpty()) {
            return;
        }
        signal("-STOP", pids);
        signal("-KILL", pids);
    }

    private static void signal(String signal, Set<Long> pids) throws IOException, InterruptedException {
        List<String> command = new java.util.ArrayList<>(List.of("kill", signal));
        pids.forEach(p -> command.add(Long.toString(p)));
        Shell.run(command); // a process that already exited is no error here
    }

    private static Long parent(Path proc) {
        try {
            String stat = Files.readString(proc.resolve("stat"));
            // pid (comm) state ppid ...: comm may hold spaces and parentheses, so read after the last ')'
            String[] rest = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
            return Long.parseLong(rest[1]);
        } catch (IOException | RuntimeException gone) {
            return null;
        }
    }
}
