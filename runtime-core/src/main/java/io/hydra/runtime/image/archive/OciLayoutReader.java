package io.hydra.runtime.image.archive;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import io.hydra.runtime.HydraException;
import io.hydra.runtime.image.Digests;
import io.hydra.runtime.image.ImageRef;
import io.hydra.runtime.image.ManifestParser;
import io.hydra.runtime.image.ParsedManifest;

/**
 * The images of an OCI image layout ({@code oci-layout}, {@code index.json}, {@code blobs/sha256/}): every entry of
 * its index, a nested index resolved to linux/amd64. An entry's name comes from {@code io.containerd.image.name}, or
 * from {@code org.opencontainers.image.ref.name} when that is a full reference; a bare tag there (what umoci and
 * skopeo write) is taken as a tag of a repository named after the layout or archive file
 * ({@code /tmp/busybox} with tag {@code latest} is {@code busybox:latest}); with no name the image is known by
 * digest ({@code NAME@sha256:...}).
 */
final class OciLayoutReader {
    private static final ObjectMapper JSON = new ObjectMapper();

    private OciLayoutReader() {
    }

    static boolean isLayout(Path dir) {
        return Files.isRegularFile(dir.resolve("oci-layout")) && Files.isRegularFile(dir.resolve("index.json"));
    }

    static List<ImportCandidate> read(Path dir, String repositoryName, String source) {
        JsonNode index = json(dir.resolve("index.json"), source + ": index.json");
        JsonNode layoutVersion = json(dir.resolve("oci-layout"), source + ": oci-layout").path("imageLayoutVersion");
        if (!"1.0.0".equals(layoutVersion.asText())) {
            throw HydraException.invalid(source + ": oci-layout says imageLayoutVersion '" + layoutVersion.asText()
                    + "', expected 1.0.0");
        }
        JsonNode manifests = index.path("manifests");
        if (!manifests.isArray() || manifests.isEmpty()) {
            throw HydraException.invalid(source + ": index.json lists no manifests");
        }
        List<ImportCandidate> out = new ArrayList<>();
        for (JsonNode m : manifests) {
            String digest = Digests.check(m.path("digest").asText(null), source + ": index.json entry");
            String what = source + ": manifest " + digest;
            byte[] body = blob(dir, digest, what);
            ParsedManifest parsed = ManifestParser.parse(body, m.path("mediaType").asText(null), what);
            if (parsed instanceof ParsedManifest.Index nested) {
                ParsedManifest.Entry entry = ManifestParser.selectPlatform(nested, what);
                digest = entry.digest();
                what = source + ": manifest " + digest;
                body = blob(dir, digest, what);
                parsed = ManifestParser.parse(body, entry.mediaType(), what);
                if (!(parsed instanceof ParsedManifest.Image)) {
                    throw HydraException.invalid(what + " (linux/amd64) is another index");
                }
            }
            ParsedManifest.Image image = (ParsedManifest.Image) parsed;
            List<ImportCandidate.Blob> blobs = new ArrayList<>();
            blobs.add(new ImportCandidate.Blob(image.config(), blobPath(dir, image.config().digest(), what),
                    "config " + image.config().digest()));
            for (ParsedManifest.Descriptor layer : image.layers()) {
                blobs.add(new ImportCandidate.Blob(layer, blobPath(dir, layer.digest(), what),
                        "layer " + layer.digest()));
            }
            out.add(new ImportCandidate(name(m.path("annotations"), repositoryName, digest, source), body, blobs));
        }
        return out;
    }

    private static String name(JsonNode annotations, String repositoryName, String digest, String source) {
        String full = annotations.path("io.containerd.image.name").asText("");
        String refName = annotations.path("org.opencontainers.image.ref.name").asText("");
        if (full.isEmpty() && (refName.contains("/") || refName.contains(":"))) {
            full = refName;
        }
        if (!full.isEmpty()) {
            return ImageRef.parse(full).toString();
        }
        try {
            if (!refName.isEmpty()) {
                return ImageRef.parse(repositoryName + ":" + refName).toString();
            }
            return ImageRef.parse(repositoryName + "@" + digest).toString();
        } catch (HydraException e) {
            throw HydraException.invalid(source + ": cannot name the image '" + repositoryName
                    + (refName.isEmpty() ? "" : ":" + refName) + "' (" + e.getMessage() + "); rename the file or"
                    + " set org.opencontainers.image.ref.name to a full reference");
        }
    }

    static Path blobPath(Path dir, String digest, String what) {
        Path p = dir.resolve("blobs").resolve("sha256").resolve(Digests.hex(digest));
        if (!Files.isRegularFile(p, LinkOption.NOFOLLOW_LINKS)) {
            throw HydraException.invalid(what + ": blob " + digest + " is missing from the layout (" + p + ")");
        }
        return p;
    }

    private static byte[] blob(Path dir, String digest, String what) {
        byte[] body = bounded(blobPath(dir, digest, what), what);
        if (!Digests.of(body).equals(digest)) {
            throw HydraException.invalid(what + " does not match its digest: it hashes to " + Digests.of(body));
        }
        return body;
    }

    static byte[] bounded(Path file, String what) {
        try (InputStream in = Files.newInputStream(file)) {
            byte[] b = in.readNBytes(ManifestParser.MAX_DOCUMENT_BYTES + 1);
            if (b.length > ManifestParser.MAX_DOCUMENT_BYTES) {
                throw HydraException.invalid(what + " is larger than " + ManifestParser.MAX_DOCUMENT_BYTES + " bytes");
            }
            return b;
        } catch (IOException e) {
            throw HydraException.invalid(what + ": cannot read " + file + ": " + e.getMessage());
        }
    }

    static JsonNode json(Path file, String what) {
        try {
            JsonNode n = JSON.readTree(bounded(file, what));
            if (n == null || !n.isObject()) {
                throw HydraException.invalid(what + " is not a JSON object");
            }
            return n;
        } catch (IOException e) {
            throw HydraException.invalid(what + " is not valid JSON: " + e.getMessage());
        }
    }
}
