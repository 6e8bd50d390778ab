package io.hydra.runtime.container;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.function.Supplier;

import io.hydra.events.EventType;
import io.hydra.runtime.HydraException;
import io.hydra.runtime.image.StoredImage;
import io.hydra.runtime.state.ContainerRecord;
import io.hydra.runtime.state.ContainerStatus;
import io.hydra.runtime.state.RunOptions;
import io.hydra.runtime.state.StateStore;
import io.hydra.runtime.state.StateStore.Change;
import io.hydra.runtime.supervision.ExitSupervisor;
import io.hydra.spi.monitor.MonitorException;
import io.hydra.spi.monitor.MonitorHandle;
import io.hydra.spi.monitor.MonitorStrategy;

/**
 * The create verb: what the request names becomes a record, a bundle and a monitor, from an image (an overlay
 * root), a root filesystem used in place, or a user's bundle.
 */
final class ContainerCreation {
    private final Containers containers;
    private final StateStore store;
    private final ContainerLocks locks;
    private final ExitSupervisor supervisor;
    private final BundlePreparer bundles = new BundlePreparer();
    /** Held while a name is checked and taken, shared with restores that take names too. */
    private final Object createLock;

    ContainerCreation(Containers containers, ExitSupervisor supervisor, Object createLock) {
        this.containers = containers;
        this.store = containers.store();
        this.locks = containers.locks();
        this.supervisor = supervisor;
        this.createLock = createLock;
    }

    /**
     * Validates the request, resolves its image (never pulling), writes the record (status creating) before anything
     * exists, then the bundle and the monitor; any failure removes all of it, and a crash in between is rolled back
     * by recovery.
     */
    ContainerRecord create(CreateSpec requested) {
        CreateSpec spec = requested.name() == null || requested.name().isEmpty()
                ? withName(requested, NameGenerator.generate(n -> store.byName(n).isPresent())) : requested;
        ContainerNames.validate(spec.name());
        MonitorStrategies monitors = containers.monitors();
        String monitorName = spec.monitor() == null || spec.monitor().isEmpty() ? monitors.defaultName() : spec.monitor();
        MonitorStrategy strategy = monitors.get(monitorName);
        boolean hasBundle = present(spec.bundle());
        boolean hasRootfs = present(spec.rootfs());
        boolean hasImage = present(spec.image());
        if ((hasBundle ? 1 : 0) + (hasRootfs ? 1 : 0) + (hasImage ? 1 : 0) != 1) {
            throw HydraException.invalid("give exactly one of an image, --rootfs DIR or --bundle DIR"
                    + (hasImage && hasRootfs ? " (got image " + spec.image() + " and --rootfs " + spec.rootfs() + ")"
                    : hasImage && hasBundle ? " (got image " + spec.image() + " and --bundle " + spec.bundle() + ")"
                    : hasRootfs && hasBundle ? " (got --rootfs and --bundle)" : ""));
        }
        String id = Containers.newId();
        Path containerDir = containers.layout().containers().resolve(id);
        Path bundleDir = containerDir.resolve("bundle");
        ContainerRecord record;
        Supplier<BundlePreparer.PreparedBundle> preparation;
        if (hasImage) {
            // resolved and applied before anything exists: an unknown image or one without a command leaves nothing
            StoredImage image = containers.imageRoots().resolve(spec.image());
            CreateSpec effective = ImageProcess.apply(image, spec);
            record = new ContainerRecord(id, spec.name(), ContainerStatus.creating, monitorName, null, containerDir,
                    bundleDir, null, effective.args(), spec.interactive(), 0, null, null, false, null,
                    containers.nodeId(), Instant.now(), null, null, 0, runOptions(effective, image));
            // the command is looked up in the merged root, so the root is mounted first
            preparation = () -> bundles.fromImage(effective,
                    containers.imageRoots().mount(image, containerDir), ContainerCgroups.path(containers.nodeId(), id));
        } else {
            BundlePreparer.PreparedBundle prepared = hasBundle
                    ? bundles.fromBundle(Path.of(spec.bundle()), spec)
                    : bundles.fromRootfs(spec, ContainerCgroups.path(containers.nodeId(), id));
            if (hasBundle && !spec.args().isEmpty()) {
                throw HydraException.invalid("a command after -- goes with --rootfs; with --bundle, config.json names it");
            }
            record = new ContainerRecord(id, spec.name(), ContainerStatus.creating, monitorName, null,
                    containerDir, bundleDir, prepared.userBundle(), prepared.command(), spec.interactive(), 0, null,
                    null, false, null, containers.nodeId(), Instant.now(), null, null, 0, runOptions(spec, null));
            preparation = () -> prepared;
        }
        synchronized (createLock) {
            requireFreeName(spec.name());
            // the record (status creating) is durable before anything exists: a crash from here on is rolled back
            store.commit(Change.put(record));
        }
        return locks.with(id, () -> {
            MonitorHandle handle;
            try {
                bundles.write(preparation.get(), bundleDir, containers.bundleAnnotations(containerDir));
                handle = strategy.launch(containers.launchRequest(record, Optional.empty(), List.of()));
            } catch (IOException | RuntimeException e) {
                // an image root is unmounted and its writable layer deleted with the rest
                containers.discard(record);
                if (e instanceof HydraException he && !(e instanceof MonitorException)) {
                    throw he;
                }
                throw HydraException.failed("cannot create container " + spec.name() + ": " + e.getMessage());
            }
            ContainerRecord created = record.launched(monitorName, handle.record());
            store.commit(Change.put(created, containers.event(EventType.CONTAINER_CREATED, created)));
            supervisor.watch(created, handle);
            return created;
        });
    }

    /**
     * What the record keeps of the request beyond its process. {@code image} is the image it was made from, or null
     * for --rootfs and --bundle.
     */
    private static RunOptions runOptions(CreateSpec spec, StoredImage image) {
        RunOptions flags = RunFlags.check(spec).options();
        if (image == null) {
            return flags;
        }
        return new RunOptions(image.ref() != null ? image.ref() : spec.image(), image.manifestDigest(),
                ImageProcess.labels(image, spec), flags.restart(), flags.autoRemove(), flags.tty(), false,
                flags.constraints());
    }

    private static boolean present(String s) {
        return s != null && !s.isEmpty();
    }

    private static CreateSpec withName(CreateSpec s, String name) {
        return new CreateSpec(name, s.bundle(), s.rootfs(), s.image(), s.args(), s.env(), s.monitor(), s.interactive(),
                s.tty(), s.hostNetwork(), s.memoryBytes(), s.cpuMillis(), s.volumes(), s.workdir(), s.user(),
                s.labels(), s.restart(), s.autoRemove(), s.constraints());
    }

    private void requireFreeName(String name) {
        store.byName(name).ifPresent(other -> {
            throw HydraException.conflict("the name '" + name + "' is already in use by container " + other.id());
        });
    }
}
