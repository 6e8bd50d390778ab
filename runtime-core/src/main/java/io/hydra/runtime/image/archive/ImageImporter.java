package io.hydra.runtime.image.archive;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.stream.Stream;

import io.hydra.runtime.HydraException;
import io.hydra.runtime.image.Digests;
import io.hydra.runtime.image.ImageProgress;
import io.hydra.runtime.image.ParsedManifest;
import io.hydra.runtime.image.PullSummary;
import io.hydra.runtime.image.store.ImageStore;

/**
 * Imports the images of an OCI layout directory, an {@code oci-archive} tar or a {@code docker-archive} tar into the
 * image store. An archive is unpacked into a private directory under the daemon's work dir first (safely: see
 * {@link ArchiveExtractor}) and removed afterwards. Every blob is verified by digest while it is stored; an image
 * whose blobs do not all verify gets no ref, and the blobs it added are removed again by the caller's rollback.
 */
public final class ImageImporter {
    private final ImageStore store;
    private final Path workDir;

    public ImageImporter(ImageStore store, Path workDir) {
        this.store = store;
        this.workDir = workDir;
    }

    /** Receives the digest of each blob the import created, so a failure can remove them. */
    public interface CreatedBlobs {
        void created(String digest);
    }

    public List<PullSummary> importPath(Path path, ImageProgress progress, CreatedBlobs created) {
        Path source = path.toAbsolutePath().normalize();
        if (!Files.exists(source)) {
            throw HydraException.notFound("image import: " + source + " does not exist");
        }
        String name = repositoryName(source);
        if (Files.isDirectory(source)) {
            if (OciLayoutReader.isLayout(source)) {
                return store(OciLayoutReader.read(source, name, source.toString()), progress, created);
            }
            if (DockerArchiveReader.isDockerArchive(source)) {
                return store(DockerArchiveReader.read(source, name, source.toString()), progress, created);
            }
            throw HydraException.invalid("image import: " + source + " is neither an OCI layout (oci-layout and"
                    + " index.json) nor an unpacked docker-archive (manifest.json)");
        }
        Path scratch;
        try {
            Files.createDirectories(workDir);
            scratch = Files.createTempDirectory(workDir, "import-");
        } catch (IOException e) {
            throw HydraException.failed("image import: cannot make a scratch directory under " + workDir + ": "
                    + e.getMessage());
        }
        try {
            progress.progress("unpack", 0, 0);
            ArchiveExtractor.extract(source, scratch);
            if (OciLayoutReader.isLayout(scratch)) {
                return store(OciLayoutReader.read(scratch, name, source.toString()), progress, created);
            }
            if (DockerArchiveReader.isDockerArchive(scratch)) {
                return store(DockerArchiveReader.read(scratch, name, source.toString()), progress, created);
            }
            throw HydraException.invalid("image import: " + source + " is neither an oci-archive (oci-layout and"
                    + " index.json) nor a docker-archive (manifest.json)");
        } finally {
            deleteTree(scratch);
        }
    }

    private List<PullSummary> store(List<ImportCandidate> candidates, ImageProgress progress, CreatedBlobs created) {
        List<PullSummary> out = new ArrayList<>();
        for (ImportCandidate c : candidates) {
            long start = System.nanoTime();
            long total = c.blobs().stream().mapToLong(b -> b.descriptor().size()).sum();
            long moved = 0;
            long present = 0;
            try {
                for (ImportCandidate.Blob b : c.blobs()) {
                    ParsedManifest.Descriptor d = b.descriptor();
                    if (store.hasBlob(d.digest())) {
                        // relied on from now: a garbage mark an rmi left on it is taken back
                        store.unmarkCandidate(d.digest());
                        present += d.size();
                        continue;
                    }
                    try (InputStream in = Files.newInputStream(b.file())) {
                        if (store.putBlob(d.digest(), d.size(), in, b.role() + " of image " + c.ref())) {
                            created.created(d.digest());
                        }
                    }
                    moved += d.size();
                    progress.progress("layers", moved, total);
                }
                String manifestDigest = Digests.of(c.manifest());
                if (store.putBlob(manifestDigest, c.manifest().length, new ByteArrayInputStream(c.manifest()),
                        "manifest of image " + c.ref())) {
                    created.created(manifestDigest);
                } else {
                    store.unmarkCandidate(manifestDigest);
                }
                // read back as a container would: config parsed, layer count checked against diff_ids
                store.image(c.ref(), manifestDigest, Instant.now());
                store.putRef(c.ref(), manifestDigest, Instant.now());
                out.add(new PullSummary(c.ref(), manifestDigest, c.blobs().size() - 1, moved, present, total,
                        Duration.ofNanos(System.nanoTime() - start)));
            } catch (IOException e) {
                throw HydraException.invalid("import of image " + c.ref() + " failed, nothing was stored for it: "
                        + e.getMessage());
            }
        }
        progress.progress("done", 0, 0);
        return out;
    }

    /** The repository a bare tag belongs to: the file's name without archive extensions, as a valid component. */
    static String repositoryName(Path source) {
        String n = source.getFileName() == null ? "image" : source.getFileName().toString().toLowerCase(Locale.ROOT);
        for (String ext : new String[] {".tar.gz", ".tgz", ".tar", ".oci", ".docker"}) {
            if (n.endsWith(ext) && n.length() > ext.length()) {
                n = n.substring(0, n.length() - ext.length());
                break;
            }
        }
        n = n.replaceAll("[^a-z0-9._-]", "-").replaceAll("^[^a-z0-9]+", "").replaceAll("[^a-z0-9]+$", "");
        return n.isEmpty() ? "image" : n;
    }

    private static void deleteTree(Path dir) {
        try (Stream<Path> walk = Files.walk(dir)) {
            walk.sorted(Comparator.reverseOrder()).forEach(p -> {
                try {
                    Files.deleteIfExists(p);
                } catch (IOException ignored) {
                    // a scratch file left behind is removed with the next start's work dir clean-up
                }
            });
        } catch (IOException ignored) {
            // as above
        }
    }
}
