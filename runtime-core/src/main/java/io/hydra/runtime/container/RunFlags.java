package io.hydra.runtime.container;

import java.nio.file.Path;
import java.util.List;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import io.hydra.runtime.HydraException;
import io.hydra.runtime.state.RestartPolicy;
import io.hydra.runtime.state.RunOptions;

/**
 * The docker-like run flags ({@code -w -u -v --cpus --label -t --restart --rm}) checked and merged into an OCI
 * config (labels excepted: they are the record's), the same way for a generated config and a user's bundle. {@link #check} throws before anything is
 * written; {@link #apply} then only changes the config in memory.
 */
final class RunFlags {
    /** The CFS period the quota of {@code --cpus} is measured against (docker's). */
    static final long CPU_PERIOD_MICROS = 100_000;
    private static final long MAX_CPU_MILLIS = 1_000_000;

    private final CreateSpec spec;
    private final List<BindMount> mounts;
    private final String workdir;
    private final RestartPolicy restart;

    private RunFlags(CreateSpec spec, List<BindMount> mounts, String workdir, RestartPolicy restart) {
        this.spec = spec;
        this.mounts = mounts;
        this.workdir = workdir;
        this.restart = restart;
    }

    /** Every flag validated: a bad one is an error naming it, and nothing has been written yet. */
    static RunFlags check(CreateSpec spec) {
        List<BindMount> mounts = BindMount.parseAll(spec.volumes());
        String workdir = spec.workdir() == null || spec.workdir().isEmpty() ? null
                : BindMount.containerPath(spec.workdir(), "-w " + spec.workdir());
        if (spec.cpuMillis() < 0 || spec.cpuMillis() > MAX_CPU_MILLIS) {
            throw HydraException.invalid("--cpus " + spec.cpuMillis() / 1000.0 + " is out of range (0.001 to "
                    + MAX_CPU_MILLIS / 1000 + ")");
        }
        if (spec.cpuMillis() > 0 && spec.cpuMillis() * CPU_PERIOD_MICROS / 1000 < 1000) {
            throw HydraException.invalid("--cpus " + spec.cpuMillis() / 1000.0 + " is too small: at least 0.01");
        }
        for (String key : spec.labels().keySet()) {
            if (key.isEmpty() || key.contains("=")) {
                throw HydraException.invalid("label key '" + key + "' is empty or contains '='");
            }
        }
        io.hydra.runtime.cluster.Constraints.check(spec.constraints());
        RestartPolicy restart = RestartPolicy.parse(spec.restart());
        if (spec.autoRemove() && restart.mode() != RestartPolicy.Mode.no) {
            throw HydraException.invalid("--rm and --restart " + restart + " conflict: a container removed when it"
                    + " exits cannot be restarted");
        }
        return new RunFlags(spec, mounts, workdir, restart);
    }

    /** What the record keeps of the flags (labels, restart policy, --rm, -t). */
    RunOptions options() {
        return new RunOptions(null, null, spec.labels(), restart, spec.autoRemove(), spec.tty(), false,
                io.hydra.runtime.cluster.Constraints.check(spec.constraints()));
    }

    /**
     * Merges the flags into {@code config}, whose root filesystem is {@code rootfs} (where {@code -u} names are
     * looked up); {@code where} names the config in errors.
     */
    void apply(ObjectNode config, Path rootfs, String where) {
        ObjectNode process = object(config, "process", where);
        if (spec.tty()) {
            process.put("terminal", true);
        }
        if (spec.user() != null && !spec.user().isEmpty()) {
            ContainerUser user = ContainerUser.resolve(rootfs, spec.user());
            ObjectNode u = process.putObject("user");
            u.put("uid", user.uid());
            u.put("gid", user.gid());
            if (!user.additionalGids().isEmpty()) {
                ArrayNode gids = u.putArray("additionalGids");
                user.additionalGids().forEach(gids::add);
            }
        }
        if (workdir != null) {
            process.put("cwd", workdir);
        }
        if (!mounts.isEmpty()) {
            JsonNode existing = config.get("mounts");
            ArrayNode list = existing instanceof ArrayNode a ? a : config.putArray("mounts");
            for (BindMount m : mounts) {
                // a -v over a default mount (say /dev/shm) replaces it
                for (int i = list.size() - 1; i >= 0; i--) {
                    if (m.destination().equals(list.get(i).path("destination").asText())) {
                        list.remove(i);
                    }
                }
                ObjectNode b = list.addObject();
                b.put("destination", m.destination());
                b.put("type", "bind");
                b.put("source", m.host().toString());
                b.set("options", BundlePreparer.array(List.of("rbind", m.readOnly() ? "ro" : "rw")));
            }
        }
        if (spec.cpuMillis() > 0) {
            ObjectNode resources = object(object(config, "linux", where), "resources", where + "linux.");
            ObjectNode cpu = object(resources, "cpu", where + "linux.resources.");
            cpu.put("quota", spec.cpuMillis() * CPU_PERIOD_MICROS / 1000);
            cpu.put("period", CPU_PERIOD_MICROS);
        }
        // labels stay in the record (and travel in checkpoint metadata), never as OCI annotations: runc and CRIU act
        // on annotations, so a restore elsewhere refuses any in a stored config, and a label must not stop a move
    }

    /** The object member {@code name} of {@code parent}, created when absent; {@code path} names the parent. */
    static ObjectNode object(ObjectNode parent, String name, String path) {
        JsonNode existing = parent.get(name);
        if (existing == null || existing.isNull()) {
            return parent.putObject(name);
        }
        if (!(existing instanceof ObjectNode o)) {
            throw HydraException.invalid(path + name + " is not a JSON object");
        }
        return o;
    }
}
