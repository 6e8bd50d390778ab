package io.hydra.runtime.checkpoint;

import java.time.Duration;
import java.util.Optional;

import org.jboss.logging.Logger;

import io.hydra.runtime.HydraException;
import io.hydra.runtime.container.ImageRoots;
import io.hydra.runtime.container.OciRuntime;
import io.hydra.runtime.container.RuntimeState;
import io.hydra.runtime.state.ContainerRecord;
import io.hydra.spi.checkpoint.CheckpointBackend;
import io.hydra.spi.checkpoint.CheckpointRequest;
import io.hydra.spi.checkpoint.CheckpointResult;

/**
 * The dump of a container made from an image also takes its writable layer ({@link ImageRoots#UPPER_ARCHIVE} in
 * the checkpoint image), and takes it at the instant of the memory, or a restore would find files that do not
 * match its open descriptors (CRIU checks their sizes) and data the process never wrote or already overwrote:
 * <ul>
 *   <li>leave-running: the container is paused (its cgroup frozen) before the dump; CRIU leaves a container it found
 *       frozen frozen, so the upper dir is exported while nothing can write it, and then the container is resumed.
 *       The frozen time is the whole pause: the dump's own plus the export's, which grows with the size of what
 *       the container wrote;</li>
 *   <li>stopping: the dump ends the processes, so nothing writes the upper dir afterwards: it is exported then,
 *       with no frozen time added (the container is down until it is restored in any case).</li>
 * </ul>
 * A container from {@code --rootfs} or {@code --bundle} is dumped as it always was: its root stays where it is.
 */
final class WritableLayerDump {
    private static final Logger LOG = Logger.getLogger(WritableLayerDump.class);

    private final CheckpointBackend backend;
    private final OciRuntime runtime;
    private final ImageRoots roots;

    WritableLayerDump(CheckpointBackend backend, OciRuntime runtime, ImageRoots roots) {
        this.backend = backend;
        this.runtime = runtime;
        this.roots = roots;
    }

    CheckpointResult dump(ContainerRecord r, CheckpointRequest request) {
        if (!r.options().fromImage()) {
            return backend.checkpoint(request);
        }
        long start = System.nanoTime();
        if (!request.options().leaveRunning()) {
            CheckpointResult dumped = backend.checkpoint(request);
            roots.exportUpper(r, request.imageDir());
            return new CheckpointResult(dumped.frozen(), Duration.ofNanos(System.nanoTime() - start),
                    dumped.pagesWritten());
        }
        runtime.pause(r.id());
        CheckpointResult dumped;
        try {
            dumped = backend.checkpoint(request);
            roots.exportUpper(r, request.imageDir());
        } catch (RuntimeException | Error e) {
            resumeIfFrozen(r).ifPresent(problem -> e.addSuppressed(new IllegalStateException(problem)));
            throw e;
        }
        try {
            // CRIU left it frozen as it found it: thawed at once, without asking the runtime first
            runtime.resume(r.id());
        } catch (RuntimeException e) {
            Optional<String> problem = resumeIfFrozen(r);
            if (problem.isPresent()) {
                throw HydraException.failed("checkpoint of " + r.name() + " was taken but " + problem.get());
            }
        }
        Duration frozen = Duration.ofNanos(System.nanoTime() - start);
        return new CheckpointResult(frozen.compareTo(dumped.frozen()) > 0 ? frozen : dumped.frozen(), frozen,
                dumped.pagesWritten());
    }

    /** Thaws the container this dump paused (a failed dump may have thawed it already); empty when it runs. */
    private Optional<String> resumeIfFrozen(ContainerRecord r) {
        try {
            Optional<RuntimeState> state = runtime.state(r.id());
            if (state.isPresent() && "paused".equals(state.get().status())) {
                runtime.resume(r.id());
            }
            return Optional.empty();
        } catch (RuntimeException e) {
            LOG.errorf("container %s was paused for its checkpoint and cannot be resumed: %s", r.name(),
                    e.getMessage());
            return Optional.of("it was paused for the dump and resuming it failed: " + e.getMessage());
        }
    }
}
