package io.hydra.runtime.checkpoint;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;

import io.hydra.runtime.HydraException;
import io.hydra.runtime.checkpoint.repo.CheckpointCorruptException;
import io.hydra.runtime.checkpoint.repo.CheckpointRepository;
import io.hydra.runtime.checkpoint.repo.CheckpointVersion;
import io.hydra.runtime.checkpoint.repo.ProgressListener;
import io.hydra.runtime.checkpoint.repo.RestoreResult;
import io.hydra.runtime.container.ContainerService;
import io.hydra.runtime.container.ImageRoots;
import io.hydra.runtime.recovery.CrashPoint;
import io.hydra.runtime.state.ContainerRecord;
import io.hydra.spi.checkpoint.CheckpointBackend;
import io.hydra.spi.checkpoint.CheckpointException;
import io.hydra.spi.checkpoint.CheckpointOptions;
import io.hydra.spi.checkpoint.LazyPages;
import io.hydra.spi.checkpoint.PageServer;

/**
 * Brings a stored version back as a running container: verified out of the repository into a fresh directory, its
 * config rebuilt or validated ({@link RestoreConfig}), then handed to a monitor. A post-copy migration's version is
 * an image without memory: its restore runs at once and faults the memory in from the source's page server, and
 * its directory (image and fetcher) stays until the fetch ends, across a daemon restart.
 */
final class VersionRestore {
    private static final ObjectMapper JSON = new ObjectMapper();
    /** In a post-copy restore's directory: the page server its fetcher reads from. */
    private static final String PAGE_SERVER_FILE = "page-server";

    private final CheckpointService service;
    private final ContainerService containers;
    private final CheckpointBackend backend;
    private final CheckpointRepository repository;
    private final Path staging;
    /** Post-copy restores' images and fetchers, one directory per container, kept until the fetcher ends. */
    private final Path lazyRestores;
    /** hydra.checkpoint.unsigned-restore: see {@link RestoreConfig#forRestore}. */
    private final boolean unsignedRestore;
    private final MetadataCipher metadataCipher;
    private final ImageContainerVersions imageVersions;

    VersionRestore(CheckpointService service, ContainerService containers, CheckpointBackend backend,
                   CheckpointRepository repository, Path staging, Path lazyRestores, boolean unsignedRestore,
                   MetadataCipher metadataCipher, ImageContainerVersions imageVersions) {
        this.service = service;
        this.containers = containers;
        this.backend = backend;
        this.repository = repository;
        this.staging = staging;
        this.lazyRestores = lazyRestores;
        this.unsignedRestore = unsignedRestore;
        this.metadataCipher = metadataCipher;
        this.imageVersions = imageVersions;
    }

    CheckpointService.Outcome restore(String nameOrId, long version, String as, ProgressListener progress) {
        Optional<ContainerRecord> local = service.findLocal(nameOrId);
        String sourceId = local.map(ContainerRecord::id).orElseGet(() -> service.containerIdFor(nameOrId));
        CheckpointVersion chosen = version > 0 ? service.findVersion(sourceId, nameOrId, version) : service.latest(sourceId, nameOrId);
        LazyVersions.refuseWithoutPageServer(chosen, nameOrId);
        Path dir = staging.resolve("restore-" + UUID.randomUUID());
        try {
            return restoreInto(nameOrId, local, sourceId, chosen, as, dir, progress, Optional.empty()).outcome();
        } finally {
            ContainerService.deleteTree(dir);
        }
    }

    /**
     * A migration's restore of exactly {@code version}. When that is a lazy dump's image without memory (post-copy)
     * the restored container faults its memory in from the page server its metadata names, while it runs: the
     * result says when it is all here. Its directory holds the image and the fetcher's work until then (the fetcher
     * outlives a daemon restart: {@link #reopenLazyRestore}); removed at once when this throws.
     */
    Optional<LazyRestore> restoreMigrated(String containerId, long version,
                                                 PageServerCredentials credentials) {
        CheckpointVersion chosen = service.findVersion(containerId, containerId, version);
        Optional<String> endpoint = LazyVersions.pageServer(chosen);
        if (endpoint.isEmpty()) {
            restore(containerId, version, null, ProgressListener.NONE);
            return Optional.empty();
        }
        Path dir = lazyRestoreDir(containerId);
        ContainerService.deleteTree(dir);
        Restored restored = restoreInto(containerId, service.findLocal(containerId), containerId, chosen, null, dir,
                ProgressListener.NONE, Optional.of(credentials.toward(endpoint.get())));
        return Optional.of(new LazyRestore(restored.outcome(), restored.pages().orElseThrow(), dir));
    }

    /**
     * The fetcher of a post-copy restore an earlier daemon started, as it stands now; empty when there is none (the
     * restore was not lazy, or its fetcher ended and was cleared).
     */
    Optional<LazyRestore> reopenLazyRestore(String containerId, PageServerCredentials credentials) {
        Path dir = lazyRestoreDir(containerId);
        Path endpoint = dir.resolve(PAGE_SERVER_FILE);
        if (!Files.isRegularFile(endpoint)) {
            ContainerService.deleteTree(dir);
            return Optional.empty();
        }
        try {
            LazyPages pages = backend.reopenLazyPages(dir.resolve("image"), dir.resolve("work"),
                    credentials.toward(Files.readString(endpoint).strip()));
            return Optional.of(new LazyRestore(null, pages, dir));
        } catch (IOException | CheckpointException e) {
            throw HydraException.failed("cannot find the memory fetcher of " + containerId + ": " + e.getMessage());
        }
    }

    /** The containers a post-copy fetcher was started for on this node and not cleared since. */
    List<String> lazyRestoreIds() {
        try (var dirs = Files.list(lazyRestores)) {
            return dirs.map(d -> d.getFileName().toString()).filter(n -> n.matches("[0-9a-f]{12,64}")).toList();
        } catch (IOException e) {
            return List.of();
        }
    }

    private Path lazyRestoreDir(String containerId) {
        if (!containerId.matches("[0-9a-f]{12,64}")) {
            throw HydraException.invalid("not a container id: " + containerId);
        }
        return lazyRestores.resolve(containerId);
    }

    private record Restored(CheckpointService.Outcome outcome, Optional<LazyPages> pages) {
    }

    private Restored restoreInto(String nameOrId, Optional<ContainerRecord> local, String sourceId,
                                 CheckpointVersion chosen, String as, Path dir, ProgressListener progress,
                                 Optional<PageServer> lazySource) {
        if (!chosen.complete()) {
            throw HydraException.failed("version " + chosen.version() + " of " + nameOrId + " cannot be restored: "
                    + chosen.problem().orElse("incomplete"));
        }
        ContainerRecord target;
        if (as != null && !as.isEmpty()) {
            target = containers.newRecordForRestore(ContainerService.newContainerId(), as,
                    chosen.metadata().get("monitor"), command(chosen), interactive(chosen), ImageContainerVersions.options(chosen));
        } else if (local.isPresent()) {
            target = local.get();
        } else {
            target = containers.newRecordForRestore(sourceId, chosen.containerName(), chosen.metadata().get("monitor"),
                    command(chosen), interactive(chosen), ImageContainerVersions.options(chosen));
        }
        if (target.status().live()) {
            throw HydraException.conflict("container " + target.name() + " is " + target.status()
                    + ": stop it first, or restore it under another name with --as NEW");
        }
        Path image = dir.resolve("image");
        long start = System.nanoTime();
        LazyPages pages = null;
        try {
            Files.createDirectories(dir);
            RestoreResult fetched;
            try {
                fetched = repository.restore(sourceId, chosen.version(), image, progress);
            } catch (CheckpointCorruptException e) {
                throw HydraException.failed("refusing to restore: " + e.getMessage());
            } catch (IOException e) {
                throw HydraException.failed("cannot fetch version " + chosen.version() + " of " + nameOrId + ": "
                        + e.getMessage());
            }
            // never the stored bytes as they are: rebuilt from this node's record, or validated field by field
            // a signed repository refuses every manifest whose MAC does not verify, so a key means authenticated
            RestoreConfig.StoreTrust trust = new RestoreConfig.StoreTrust(
                    repository.settings().macKey().isPresent(), unsignedRestore);
            String what = "version " + chosen.version() + " of " + nameOrId;
            Runnable prepareRoot = imageVersions.rootFor(target, image, what);
            byte[] config = RestoreConfig.forRestore(target, local, image.resolve(CheckpointService.BUNDLE_CONFIG),
                    chosen.metadata().get("rootfs"), trust, what, backend.bundleAnnotations(target.containerDir()),
                    target.options().fromImage()
                            ? Optional.of(ImageRoots.rootOf(target.containerDir())) : Optional.empty());
            CheckpointOptions options = new CheckpointOptions(false, Optional.empty(),
                    Boolean.parseBoolean(chosen.metadata().get("tcpEstablished")),
                    Boolean.parseBoolean(chosen.metadata().get("fileLocks")));
            List<String> restoreOptions = new ArrayList<>(backend.restoreOptions(options));
            if (lazySource.isPresent()) {
                try {
                    pages = backend.lazyPages(image, dir.resolve("work"), lazySource.get());
                } catch (CheckpointException e) {
                    throw HydraException.failed("cannot fetch the memory of " + what + " from "
                            + lazySource.get().endpoint() + ": " + e.getMessage());
                }
                restoreOptions.addAll(pages.restoreOptions());
                Files.writeString(dir.resolve(PAGE_SERVER_FILE), lazySource.get().endpoint());
                CrashPoint.at("migration.lazy-fetcher-started");
            }
            Map<String, Object> data = new LinkedHashMap<>();
            data.put("version", chosen.version());
            data.put("fromContainer", sourceId);
            data.put("fromNode", chosen.metadata().getOrDefault("node", ""));
            data.put("bytesMoved", fetched.bytesMoved());
            data.put("durationMs", Duration.ofNanos(System.nanoTime() - start).toMillis());
            lazySource.ifPresent(s -> data.put("lazyPagesFrom", s.endpoint()));
            ContainerRecord restored = containers.restoreFromImage(target, config, image, restoreOptions, data,
                    prepareRoot);
            CheckpointService.Outcome outcome = new CheckpointService.Outcome(restored, chosen.version(), fetched.logicalBytes(), 0, fetched.bytesMoved(),
                    0, Duration.ofNanos(System.nanoTime() - start), 1.0);
            return new Restored(outcome, Optional.ofNullable(pages));
        } catch (IOException | RuntimeException e) {
            if (pages != null) {
                // the restore never took the memory: the source's dump fails and its container runs there again
                pages.abort();
            }
            if (lazySource.isPresent()) {
                ContainerService.deleteTree(dir);
            }
            if (e instanceof IOException) {
                throw HydraException.failed("cannot restore " + nameOrId + ": " + e.getMessage());
            }
            throw (RuntimeException) e;
        }
    }

    private List<String> command(CheckpointVersion v) {
        String command = metadataCipher.open("command", v.metadata().getOrDefault("command", "[]"),
                "version " + v.version() + " of " + v.containerName());
        try {
            return JSON.readValue(command, new TypeReference<List<String>>() {
            });
        } catch (JsonProcessingException e) {
            return List.of();
        }
    }

    private static boolean interactive(CheckpointVersion v) {
        return Boolean.parseBoolean(v.metadata().get("interactive"));
    }
}
