package io.hydra.runtime.recovery;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import org.jboss.logging.Logger;

import io.hydra.runtime.HydraException;
import io.hydra.runtime.checkpoint.CheckpointService;
import io.hydra.runtime.container.Containers;
import io.hydra.runtime.container.RuntimeState;
import io.hydra.runtime.state.ContainerRecord;
import io.hydra.runtime.state.ContainerStatus;
import io.hydra.runtime.state.Intent;
import io.hydra.runtime.state.StateStore.Change;

/**
 * Settles the checkpoints a crash interrupted, once the checkpoint repository is up. The rule: no path deletes
 * the only copy of a container's processes. A container that still runs (a leave-running dump, or a dump that
 * never stopped it) keeps running and its staged image goes; a stopped one gets its version committed from the
 * staged image, or else is restored from it, or else keeps the image, and its record says where.
 */
public final class CheckpointRecovery {
    private static final Logger LOG = Logger.getLogger(CheckpointRecovery.class);

    private final Containers containers;
    private final ContainerRecovery recovery;
    private final CheckpointService checkpoints;
    private final Duration dumpDeadline;

    /** @param checkpoints null when checkpoints are off on this host: images are then only kept */
    public CheckpointRecovery(Containers containers, ContainerRecovery recovery, CheckpointService checkpoints,
                              Duration dumpDeadline) {
        this.containers = containers;
        this.recovery = recovery;
        this.checkpoints = checkpoints;
        this.dumpDeadline = dumpDeadline;
    }

    /** The staged images intents still refer to: the only ones start-up may not delete. */
    public static Set<Path> referencedImages(Containers containers) {
        return containers.store().intents().stream().map(i -> i.get(Intent.IMAGE)).filter(p -> p != null)
                .map(p -> Path.of(p).toAbsolutePath().normalize()).collect(Collectors.toSet());
    }

    /** Deletes what a crash left under the staging directory that no intent refers to. */
    public static void cleanStaging(Containers containers, Path staging) throws IOException {
        Set<Path> keep = referencedImages(containers);
        try (Stream<Path> leftovers = Files.list(staging)) {
            for (Path p : leftovers.toList()) {
                if (!keep.contains(p.toAbsolutePath().normalize())) {
                    Containers.deleteTree(p);
                }
            }
        }
    }

    public int settleAll() {
        int settled = 0;
        // dumps that outlived the crashed daemon get one deadline together, not one each: then they are killed
        List<Path> dirs = containers.store().intents().stream().filter(i -> i.kind() == Intent.Kind.checkpoint)
                .map(i -> i.get(Intent.IMAGE)).filter(p -> p != null).map(Path::of).toList();
        awaitNoDumpIn(dirs);
        killDumpsIn(dirs);
        for (Intent intent : containers.store().intents()) {
            if (intent.kind() != Intent.Kind.checkpoint) {
                continue;
            }
            Optional<ContainerRecord> r = containers.store().byId(intent.containerId());
            if (r.isEmpty()) {
                containers.store().commit(Change.settled(intent.containerId()));
                continue;
            }
            try {
                containers.locks().run(intent.containerId(), () -> settle(containers.current(intent.containerId()),
                        intent));
                settled++;
            } catch (RuntimeException e) {
                LOG.errorf("cannot settle the interrupted checkpoint of %s: %s", r.get().name(), e.getMessage());
            }
        }
        return settled;
    }

    private void settle(ContainerRecord r, Intent intent) {
        Path dir = Path.of(intent.get(Intent.IMAGE));
        Optional<RuntimeState> state = containers.runtime().state(r.id());
        if (state.filter(s -> "paused".equals(s.status())).isPresent()) {
            // a dump killed midway leaves the container frozen; the checkpoint never stopped it, so it runs on
            LOG.infof("%s was left frozen by its interrupted checkpoint; resuming it", r.name());
            containers.runtime().resume(r.id());
            state = containers.runtime().state(r.id());
        }
        if (state.filter(RuntimeState::live).isPresent()) {
            LOG.infof("%s runs after an interrupted checkpoint; its staged image %s is dropped", r.name(), dir);
            ContainerRecord running = r;
            if (!r.status().live()) {
                // restored from the staged image before the crash could record it: settle like a restore
                recovery.settle(r, Intent.of(r.id(), Intent.Kind.restore, intent.data()));
                running = containers.current(r.id());
            } else {
                containers.store().commit(Change.settled(r.id()));
            }
            Containers.deleteTree(dir);
            recovery.adoptAndCheckIfLive(running);
            return;
        }
        if (Boolean.parseBoolean(intent.get(Intent.LAZY))) {
            // a lazy dump's processes end only once every page was served: their memory is the target's now, and
            // the image here has none of it, so it is never restored from (the migration settles by the record)
            LOG.infof("%s went to its post-copy migration's target while the daemon was down; its image without"
                    + " memory %s is dropped", r.name(), dir);
            containers.store().commit(Change.put(r.withStatus(ContainerStatus.checkpointed)).settling(r.id()));
            Containers.deleteTree(dir);
            return;
        }
        if (Boolean.parseBoolean(intent.get(Intent.LEAVE_RUNNING))) {
            // the container was to keep running and has stopped on its own: an ordinary exit
            containers.store().commit(Change.settled(r.id()));
            Containers.deleteTree(dir);
            recovery.adoptAndCheckIfLive(r);
            return;
        }
        ContainerRecord stopped = r.status() == ContainerStatus.checkpointed ? r
                : containers.store().byId(r.id()).map(x -> x.withStatus(ContainerStatus.checkpointed)).orElse(r);
        if (stopped != r) {
            containers.store().commit(Change.put(stopped));
        }
        String problem;
        if (checkpoints == null) {
            problem = "checkpoints are off on this host";
        } else if (!Intent.DUMPING.equals(intent.get(Intent.PHASE))) {
            try {
                long version = checkpoints.commitStaged(stopped, intent);
                Containers.deleteTree(dir);
                LOG.infof("finished the interrupted checkpoint of %s: version %d committed", r.name(), version);
                return;
            } catch (IOException | RuntimeException e) {
                problem = "committing it failed: " + e.getMessage();
                LOG.errorf("cannot commit the staged checkpoint of %s (%s); restoring it from the image", r.name(),
                        e.getMessage());
            }
        } else {
            problem = "the dump may not have finished";
        }
        if (checkpoints != null) {
            try {
                checkpoints.restoreStaged(stopped, intent);
                containers.store().commit(Change.settled(r.id()));
                Containers.deleteTree(dir);
                LOG.infof("restored %s from the staged image of its interrupted checkpoint", r.name());
                return;
            } catch (HydraException e) {
                problem = problem + "; restoring from it failed: " + e.getMessage();
            }
        }
        // the intent stays: it keeps the image from start-up's clean-up, and a later start tries again
        LOG.errorf("container %s is checkpointed but has no committed version (%s); its image is kept at %s",
                r.name(), problem, dir.resolve("image"));
    }

    /** Waits (bounded by the dump deadline, once for all) while a dump process works in any of {@code dirs}. */
    private void awaitNoDumpIn(List<Path> dirs) {
        long deadline = System.nanoTime() + dumpDeadline.toNanos();
        while (!dumpProcesses(dirs).isEmpty() && System.nanoTime() < deadline) {
            try {
                Thread.sleep(100);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }

    /**
     * Kills what is left of dumps in {@code dirs} after the deadline: the runtime's checkpoint process and all it
     * started (CRIU, which runc drives over a socket and whose command line names no directory).
     */
    private static void killDumpsIn(List<Path> dirs) {
        List<ProcessHandle> hung = new ArrayList<>();
        for (ProcessHandle p : dumpProcesses(dirs)) {
            p.descendants().forEach(hung::add);
            hung.add(p);
        }
        if (hung.isEmpty()) {
            return;
        }
        LOG.warnf("killing %d processes of checkpoint dumps that outlived the daemon and their deadline: %s",
                hung.size(), hung.stream().map(h -> Long.toString(h.pid())).toList());
        hung.forEach(ProcessHandle::destroyForcibly);
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (hung.stream().anyMatch(ProcessHandle::isAlive) && System.nanoTime() < deadline) {
            try {
                Thread.sleep(50);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }

    /**
     * Processes dumping into one of {@code dirs}: a command line with a {@code checkpoint} verb and a path under
     * the directory (runc checkpoint --image-path DIR/image), or CRIU's own {@code dump}. A restored container's
     * monitor also names DIR/image (after --restore) and lives as long as the container: it is no dump.
     */
    static List<ProcessHandle> dumpProcesses(List<Path> dirs) {
        if (dirs.isEmpty()) {
            return List.of();
        }
        List<ProcessHandle> found = new ArrayList<>();
        try (Stream<Path> procs = Files.list(Path.of("/proc"))) {
            for (Path p : procs.filter(p -> p.getFileName().toString().chars().allMatch(Character::isDigit)).toList()) {
                List<String> args = cmdline(p);
                if (isDump(args, dirs)) {
                    ProcessHandle.of(Long.parseLong(p.getFileName().toString())).ifPresent(found::add);
                }
            }
        } catch (IOException e) {
            LOG.warnf("cannot list processes: %s", e.getMessage());
        }
        return found;
    }

    static boolean isDump(List<String> args, List<Path> dirs) {
        if (args.contains("--restore") || args.contains("restore")) {
            return false;
        }
        boolean verb = args.contains("checkpoint") || args.contains("dump");
        return verb && args.stream().anyMatch(a -> dirs.stream().anyMatch(d -> a.startsWith(d.toString())));
    }

    private static List<String> cmdline(Path proc) {
        try {
            byte[] raw = Files.readAllBytes(proc.resolve("cmdline"));
            return List.of(new String(raw, java.nio.charset.StandardCharsets.UTF_8).split("\\x00"));
        } catch (IOException e) {
            return List.of();
        }
    }
}
