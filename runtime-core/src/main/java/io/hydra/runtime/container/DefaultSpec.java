package io.hydra.runtime.container;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * The OCI config {@code runc spec} would write, with the user's command, environment and name filled in, and the
 * run flags ({@link RunFlags}) merged in.
 */
final class DefaultSpec {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final List<String> CAPABILITIES = List.of("CAP_AUDIT_WRITE", "CAP_KILL", "CAP_NET_BIND_SERVICE",
            "CAP_CHOWN", "CAP_DAC_OVERRIDE", "CAP_FOWNER", "CAP_FSETID", "CAP_SETGID", "CAP_SETUID", "CAP_SETPCAP",
            "CAP_NET_RAW", "CAP_SYS_CHROOT", "CAP_MKNOD", "CAP_SETFCAP");

    private DefaultSpec() {
    }

    static ObjectNode generate(Path rootfs, CreateSpec spec, String cgroupsPath, long hardNofile) {
        List<String> args = spec.args();
        String hostname = spec.name();
        boolean hostNetwork = spec.hostNetwork();
        ObjectNode c = JSON.createObjectNode();
        c.put("ociVersion", "1.0.2-dev");
        ObjectNode process = c.putObject("process");
        process.put("terminal", false);
        ObjectNode user = process.putObject("user");
        user.put("uid", 0);
        user.put("gid", 0);
        process.set("args", BundlePreparer.array(args));
        List<String> env = new ArrayList<>(List.of("PATH=" + BundlePreparer.DEFAULT_PATH, "TERM=xterm",
                "HOSTNAME=" + hostname));
        env.addAll(spec.env());
        process.set("env", BundlePreparer.array(env));
        process.put("cwd", "/");
        ObjectNode caps = process.putObject("capabilities");
        for (String set : List.of("bounding", "effective", "permitted")) {
            caps.set(set, BundlePreparer.array(CAPABILITIES));
        }
        ArrayNode rlimits = process.putArray("rlimits");
        ObjectNode nofile = rlimits.addObject();
        long limit = Math.min(1024, hardNofile);
        nofile.put("type", "RLIMIT_NOFILE");
        nofile.put("hard", limit);
        nofile.put("soft", limit);
        process.put("noNewPrivileges", true);
        ObjectNode root = c.putObject("root");
        root.put("path", rootfs.toString());
        root.put("readonly", false);
        c.put("hostname", hostname);
        ArrayNode mounts = c.putArray("mounts");
        mount(mounts, "/proc", "proc", "proc", List.of());
        mount(mounts, "/dev", "tmpfs", "tmpfs", List.of("nosuid", "strictatime", "mode=755", "size=65536k"));
        mount(mounts, "/dev/pts", "devpts", "devpts",
                List.of("nosuid", "noexec", "newinstance", "ptmxmode=0666", "mode=0620", "gid=5"));
        mount(mounts, "/dev/shm", "tmpfs", "shm", List.of("nosuid", "noexec", "nodev", "mode=1777", "size=65536k"));
        mount(mounts, "/dev/mqueue", "mqueue", "mqueue", List.of("nosuid", "noexec", "nodev"));
        mount(mounts, "/sys", "sysfs", "sysfs", List.of("nosuid", "noexec", "nodev", "ro"));
        mount(mounts, "/sys/fs/cgroup", "cgroup", "cgroup", List.of("nosuid", "noexec", "nodev", "relatime", "ro"));
        if (hostNetwork) {
            mount(mounts, "/etc/resolv.conf", "bind", "/etc/resolv.conf", List.of("rbind", "ro"));
        }
        ObjectNode linux = c.putObject("linux");
        linux.put("cgroupsPath", cgroupsPath);
        ObjectNode resources = linux.putObject("resources");
        resources.putArray("devices").addObject().put("allow", false).put("access", "rwm");
        if (spec.memoryBytes() > 0) {
            resources.putObject("memory").put("limit", spec.memoryBytes());
        }
        ArrayNode namespaces = linux.putArray("namespaces");
        List<String> types = new ArrayList<>(List.of("pid", "ipc", "uts", "mount"));
        if (!hostNetwork) {
            types.add("network");
        }
        types.forEach(t -> namespaces.addObject().put("type", t));
        linux.set("maskedPaths", BundlePreparer.array(List.of("/proc/acpi", "/proc/asound", "/proc/kcore",
                "/proc/keys", "/proc/latency_stats", "/proc/timer_list", "/proc/timer_stats", "/proc/sched_debug",
                "/sys/firmware", "/proc/scsi")));
        linux.set("readonlyPaths", BundlePreparer.array(List.of("/proc/bus", "/proc/fs", "/proc/irq", "/proc/sys",
                "/proc/sysrq-trigger")));
        RunFlags.check(spec).apply(c, rootfs, "");
        return c;
    }

    private static void mount(ArrayNode mounts, String destination, String type, String source, List<String> options) {
        ObjectNode m = mounts.addObject();
        m.put("destination", destination);
        m.put("type", type);
        m.put("source", source);
        if (!options.isEmpty()) {
            m.set("options", BundlePreparer.array(options));
        }
    }
}
