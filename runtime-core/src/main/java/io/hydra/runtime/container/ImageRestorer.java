package io.hydra.runtime.container;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Stream;

import io.hydra.events.EventType;
import io.hydra.runtime.HydraException;
import io.hydra.runtime.recovery.CrashPoint;
import io.hydra.runtime.state.ContainerRecord;
import io.hydra.runtime.state.ContainerStatus;
import io.hydra.runtime.state.Intent;
import io.hydra.runtime.state.StateStore;
import io.hydra.runtime.state.StateStore.Change;
import io.hydra.runtime.supervision.ExitSupervisor;
import io.hydra.spi.monitor.MonitorHandle;

/** Runs a container again from a checkpoint image, under a new monitor, with the intent that makes it crash-safe. */
final class ImageRestorer {
    private final Containers containers;
    private final StateStore store;
    private final ExitSupervisor supervisor;
    /** Shared with create: one name, one container. */
    private final Object createLock;

    ImageRestorer(Containers containers, ExitSupervisor supervisor, Object createLock) {
        this.containers = containers;
        this.store = containers.store();
        this.supervisor = supervisor;
        this.createLock = createLock;
    }

    /**
     * Brings a container back from a verified checkpoint image under a new monitor. {@code bundleConfig} is the
     * config.json to run it with. A new record (status creating) is registered first, so a crash midway is rolled
     * back like a half-made create; for an existing one a restore intent is written first (or, restoring from the
     * staged image of a checkpoint not yet committed, that checkpoint's intent stays: it says where the image is).
     * {@code prepareRoot} makes the container's root (an image container's overlay) before the config is installed;
     * it runs once the record is registered, so a failure is rolled back with it. Returns the running container.
     */
    ContainerRecord restore(ContainerRecord target, byte[] bundleConfig, Path image,
                                            List<String> restoreOptions, Map<String, Object> eventData,
                                            Runnable prepareRoot) {
        boolean isNew = target.status() == ContainerStatus.creating;
        if (isNew) {
            synchronized (createLock) {
                store.byName(target.name()).ifPresent(other -> {
                    throw HydraException.conflict("the name '" + target.name() + "' is already in use by container "
                            + other.id());
                });
                if (store.byId(target.id()).isPresent()) {
                    throw HydraException.conflict("container " + target.id() + " already exists on this node");
                }
                store.commit(Change.put(target));
            }
        }
        return containers.locks().with(target.id(), () -> {
            ContainerRecord r = containers.current(target.id());
            if (r.status().live()) {
                throw HydraException.conflict("container " + r.name() + " is " + r.status()
                        + ": stop it first, or restore it under another name with --as NEW");
            }
            Optional<Intent> checkpoint = store.intent(r.id()).filter(i -> i.kind() == Intent.Kind.checkpoint);
            // only the checkpoint's own staged image may be restored while it is open: any other restore (from the
            // repository, during the upload) would settle the checkpoint's intent and orphan its image
            if (checkpoint.isPresent() && !ownImage(checkpoint.get(), image)) {
                throw HydraException.conflict("cannot restore container " + r.name() + ": a checkpoint of it is in"
                        + " progress (started " + checkpoint.get().at() + ", image staged at "
                        + checkpoint.get().get(Intent.IMAGE) + "); try again once it finished");
            }
            boolean keepsCheckpointIntent = checkpoint.isPresent();
            if (!isNew && !keepsCheckpointIntent) {
                store.commit(Change.intent(Intent.of(r.id(), Intent.Kind.restore, Map.of(Intent.IMAGE,
                        image.toString()))));
            }
            CrashPoint.at("restore.intent-written");
            try {
                prepareRoot.run();
                Files.createDirectories(r.bundle());
                Path config = r.bundle().resolve("config.json");
                Path staged = r.bundle().resolve("config.json.restore");
                Files.write(staged, bundleConfig);
                Files.move(staged, config, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
                containers.runtime().delete(r.id(), true);
                containers.clearExitStatus(r.id(), r.containerDir());
            } catch (IOException | RuntimeException e) {
                abandonRestore(r, isNew, keepsCheckpointIntent);
                throw HydraException.failed("cannot prepare the restore of " + r.name() + ": " + e.getMessage());
            }
            MonitorHandle handle;
            try {
                handle = containers.monitorOf(r).launch(containers.launchRequest(r, Optional.of(image),
                        restoreOptions));
            } catch (RuntimeException e) {
                abandonRestore(r, isNew, keepsCheckpointIntent);
                throw HydraException.failed("cannot restore container " + r.name() + ": " + e.getMessage());
            }
            CrashPoint.at("restore.monitor-launched");
            containers.newRun(r.id());
            ContainerRecord restored = r.launched(r.monitor(), handle.record()).started(Instant.now());
            Object[] extra = eventData.entrySet().stream().flatMap(e -> Stream.of(e.getKey(), e.getValue())).toArray();
            Change change = Change.put(restored, containers.event(EventType.CONTAINER_RESTORED, restored, extra));
            // settle only the intent this restore wrote or restored from, never one written since
            store.commit(checkpoint.isPresent() ? change.settlingOwn(checkpoint.get()) : change.settling(r.id()));
            supervisor.watch(restored, handle);
            return restored;
        });
    }

    private static boolean ownImage(Intent checkpoint, Path image) {
        String staged = checkpoint.get(Intent.IMAGE);
        return staged != null && Path.of(staged).resolve("image").normalize().equals(image.normalize());
    }

    private void abandonRestore(ContainerRecord r, boolean isNew, boolean keepsCheckpointIntent) {
        if (isNew) {
            containers.discard(r);
        } else if (!keepsCheckpointIntent) {
            store.commit(Change.settled(r.id()));
        }
    }

}
