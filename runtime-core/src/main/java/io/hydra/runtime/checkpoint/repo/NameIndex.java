package io.hydra.runtime.checkpoint.repo;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.NoSuchFileException;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Pattern;

import io.hydra.spi.storage.BlobInfo;
import io.hydra.spi.storage.BlobStore;

/**
 * Which container ids have checkpoints under a container name: an empty marker blob
 * {@code names/<containerName>/<containerId>} written with a container's checkpoints, so that a node that never ran
 * a container finds its id by listing one short prefix instead of reading every manifest in the store.
 *
 * <p>Storage is untrusted, so a marker is only a candidate: the repository believes it only once the container's
 * own newest verified manifest carries that name. A marker that lies (planted, or left behind by a container whose
 * versions are all gone) costs one manifest read and is ignored.
 */
final class NameIndex {
    static final String ROOT = "names/";
    private static final Pattern ID = Pattern.compile("[A-Za-z0-9][A-Za-z0-9_.-]{0,127}");
    /**
     * Written once every container in the store has its marker; from then on markers alone answer a miss (each
     * commit writes its marker before the manifest). Outside {@link #ROOT}, so no container name can collide with it.
     */
    static final String COMPLETE = "names.complete";
    /** The body of {@link #COMPLETE}: a format this code understands; any other body means "scan once more". */
    static final String COMPLETE_FORMAT = "hydra-names-complete 1\n";

    private final BlobStore store;
    /** Markers this process has written or seen: each is put once per process, not once per checkpoint. */
    private final Set<String> known = ConcurrentHashMap.newKeySet();
    private volatile boolean complete;

    NameIndex(BlobStore store) {
        this.store = store;
    }

    static String prefix(String containerName) {
        return ROOT + containerName + "/";
    }

    static String blobName(String containerName, String containerId) {
        return prefix(containerName) + ManifestNames.validateContainerId(containerId);
    }

    /** Makes sure the marker exists; conditional create, so concurrent writers and repeats are harmless. */
    void record(String containerName, String containerId) throws IOException {
        String name = blobName(containerName, containerId);
        if (known.contains(name)) {
            return;
        }
        byte[] body = containerId.getBytes(StandardCharsets.US_ASCII);
        store.put(name, new ByteArrayInputStream(body), body.length, true);
        known.add(name);
    }

    /** The newest verified version of a container, if any (the repository's {@code latest}). */
    @FunctionalInterface
    interface Latest {
        Optional<CheckpointVersion> of(String containerId) throws IOException;
    }

    /**
     * The container id whose checkpoints carry this name: the markers give candidates, and a candidate counts only
     * when its own newest verified version carries the name; among several, the newest such version wins. A store
     * written before markers existed is searched once by every container's newest manifest: the markers found
     * missing are written back, then {@link #COMPLETE}, so that later misses answer from markers alone.
     */
    Optional<String> containerIdFor(String containerName, Latest latest) throws IOException {
        Optional<CheckpointVersion> best = newestCarrying(containerName, candidates(containerName), latest);
        if (best.isEmpty() && !markersComplete()) {
            best = scanAllManifests(containerName, latest);
        }
        return best.map(CheckpointVersion::containerId);
    }

    private boolean markersComplete() throws IOException {
        if (!complete) {
            // Read bounded: one byte more than the format shows a longer (foreign) body.
            try (InputStream in = store.get(COMPLETE)) {
                byte[] body = in.readNBytes(COMPLETE_FORMAT.length() + 1);
                complete = COMPLETE_FORMAT.equals(new String(body, StandardCharsets.US_ASCII));
            } catch (NoSuchFileException e) {
                complete = false;
            }
        }
        return complete;
    }

    private Optional<CheckpointVersion> scanAllManifests(String containerName, Latest latest) throws IOException {
        // One id per container, not one entry per manifest.
        Set<String> ids = new TreeSet<>();
        store.forEach(ManifestNames.ROOT, info -> {
            ManifestNames.Parsed parsed = ManifestNames.parse(info.name());
            if (parsed != null) {
                ids.add(parsed.containerId());
            }
        });
        CheckpointVersion best = null;
        for (String id : ids) {
            Optional<CheckpointVersion> newest = latest.of(id);
            if (newest.isEmpty()) {
                continue;
            }
            record(newest.get().containerName(), id);
            if (newest.get().containerName().equals(containerName)
                    && (best == null || newest.get().createdAt().isAfter(best.createdAt()))) {
                best = newest.get();
            }
        }
        byte[] body = COMPLETE_FORMAT.getBytes(StandardCharsets.US_ASCII);
        store.put(COMPLETE, new ByteArrayInputStream(body), body.length, false);
        complete = true;
        return Optional.ofNullable(best);
    }

    private static Optional<CheckpointVersion> newestCarrying(String containerName, Iterable<String> containerIds,
                                                              Latest latest) throws IOException {
        CheckpointVersion best = null;
        for (String id : containerIds) {
            Optional<CheckpointVersion> newest = latest.of(id);
            if (newest.isPresent() && newest.get().containerName().equals(containerName)
                    && (best == null || newest.get().createdAt().isAfter(best.createdAt()))) {
                best = newest.get();
            }
        }
        return Optional.ofNullable(best);
    }

    /** Container ids whose markers claim this name, in name order; unverified. */
    List<String> candidates(String containerName) throws IOException {
        List<String> ids = new ArrayList<>();
        String prefix = prefix(containerName);
        for (BlobInfo info : store.list(prefix)) {
            String id = info.name().substring(prefix.length());
            if (ID.matcher(id).matches() && !id.contains("..")) {
                ids.add(id);
            }
        }
        return ids;
    }

    /** Every marker, one at a time (for garbage collection of markers whose container has no version left). */
    void forEachMarker(BlobStore.BlobVisitor visitor) throws IOException {
        store.forEach(ROOT, visitor);
    }

    /** The container id a marker blob name stands for, or null for a name this class does not write. */
    static String containerIdOf(String blobName) {
        String[] parts = blobName.split("/");
        if (parts.length != 3 || !parts[0].equals("names") || !ID.matcher(parts[2]).matches()
                || parts[2].contains("..")) {
            return null;
        }
        return parts[2];
    }

    void forget(String blobName) {
        known.remove(blobName);
    }
}
