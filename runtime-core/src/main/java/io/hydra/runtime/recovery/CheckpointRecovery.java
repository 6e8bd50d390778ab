package io.hydra.runtime.recovery;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
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
        // the runtime's dump process may outlive the daemon that started it: let it finish before judging
        awaitNoProcessUsing(dir);
        Optional<RuntimeState> state = containers.runtime().state(r.id());
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

    /** Waits (bounded by the dump deadline) while any process names the staged directory on its command line. */
    private void awaitNoProcessUsing(Path dir) {
        long deadline = System.nanoTime() + dumpDeadline.toNanos();
        while (processUsing(dir) && System.nanoTime() < deadline) {
            try {
                Thread.sleep(100);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }

    private static boolean processUsing(Path dir) {
        String needle = dir.toString();
        try (Stream<Path> procs = Files.list(Path.of("/proc"))) {
            return procs.filter(p -> p.getFileName().toString().chars().allMatch(Character::isDigit))
                    .anyMatch(p -> {
                        try {
                            return new String(Files.readAllBytes(p.resolve("cmdline"))).contains(needle);
                        } catch (IOException e) {
                            return false;
                        }
                    });
        } catch (IOException e) {
            return false;
        }
    }
}
