package io.hydra.runtime.image.archive;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import io.hydra.runtime.HydraException;
import io.hydra.runtime.image.Digests;
import io.hydra.runtime.image.ImageRef;
import io.hydra.runtime.image.ManifestParser;
import io.hydra.runtime.image.MediaTypes;
import io.hydra.runtime.image.ParsedManifest;

/**
 * The images of an extracted {@code docker-archive} ({@code docker save}, {@code skopeo copy ... docker-archive:}):
 * {@code manifest.json} lists each image's config file, tags and layer tars. Such an archive has no registry
 * manifest, so one is written here, an OCI manifest in a fixed field order, so importing the same archive twice
 * gives the same manifest digest. Layers are stored as they are in the archive (plain tar, or gzip when the file
 * says so by its magic bytes).
 */
final class DockerArchiveReader {
    private static final ObjectMapper JSON = new ObjectMapper();

    private DockerArchiveReader() {
    }

    static boolean isDockerArchive(Path dir) {
        return Files.isRegularFile(dir.resolve("manifest.json"), LinkOption.NOFOLLOW_LINKS);
    }

    static List<ImportCandidate> read(Path dir, String repositoryName, String source) {
        JsonNode manifest;
        try {
            manifest = JSON.readTree(OciLayoutReader.bounded(dir.resolve("manifest.json"), source + ": manifest.json"));
        } catch (IOException e) {
            throw HydraException.invalid(source + ": manifest.json is not valid JSON: " + e.getMessage());
        }
        if (manifest == null || !manifest.isArray() || manifest.isEmpty()) {
            throw HydraException.invalid(source + ": manifest.json lists no images");
        }
        List<ImportCandidate> out = new ArrayList<>();
        for (JsonNode image : manifest) {
            Path configFile = member(dir, image.path("Config").asText(""), source);
            String what = source + ": image config " + dir.relativize(configFile);
            String configDigest = digestOf(configFile, what);
            ManifestParser.Config config = ManifestParser.config(OciLayoutReader.bounded(configFile, what), what);
            JsonNode layerNames = image.path("Layers");
            if (!layerNames.isArray() || layerNames.size() != config.diffIds().size()) {
                throw HydraException.invalid(source + ": manifest.json lists " + layerNames.size() + " layers but the"
                        + " config has " + config.diffIds().size() + " diff_ids");
            }
            List<ImportCandidate.Blob> blobs = new ArrayList<>();
            ParsedManifest.Descriptor configDescriptor = new ParsedManifest.Descriptor(MediaTypes.OCI_CONFIG,
                    configDigest, size(configFile));
            blobs.add(new ImportCandidate.Blob(configDescriptor, configFile, "config " + configDigest));
            ObjectNode m = JSON.createObjectNode();
            m.put("schemaVersion", 2);
            m.put("mediaType", MediaTypes.OCI_MANIFEST);
            m.set("config", descriptorJson(configDescriptor));
            ArrayNode layers = m.putArray("layers");
            for (JsonNode layerName : layerNames) {
                Path layerFile = member(dir, layerName.asText(""), source);
                String digest = digestOf(layerFile, source + ": layer " + layerName.asText());
                ParsedManifest.Descriptor d = new ParsedManifest.Descriptor(
                        gzipped(layerFile) ? MediaTypes.OCI_LAYER_GZIP : MediaTypes.OCI_LAYER, digest, size(layerFile));
                layers.add(descriptorJson(d));
                blobs.add(new ImportCandidate.Blob(d, layerFile, "layer " + digest));
            }
            byte[] body;
            try {
                body = JSON.writeValueAsBytes(m);
            } catch (IOException e) {
                throw new IllegalStateException("encoding a manifest", e);
            }
            String manifestDigest = Digests.of(body);
            JsonNode tags = image.path("RepoTags");
            if (tags.isArray() && !tags.isEmpty()) {
                for (JsonNode tag : tags) {
                    out.add(new ImportCandidate(ImageRef.parse(tag.asText()).toString(), body, blobs));
                }
            } else {
                out.add(new ImportCandidate(ImageRef.parse(repositoryName + "@" + manifestDigest).toString(), body,
                        blobs));
            }
        }
        return out;
    }

    private static ObjectNode descriptorJson(ParsedManifest.Descriptor d) {
        ObjectNode n = JSON.createObjectNode();
        n.put("mediaType", d.mediaType());
        n.put("digest", d.digest());
        n.put("size", d.size());
        return n;
    }

    /** A file the manifest names, which must be a regular file inside the archive. */
    private static Path member(Path dir, String name, String source) {
        if (name.isEmpty()) {
            throw HydraException.invalid(source + ": manifest.json names an empty file");
        }
        Path p = ArchiveExtractor.safeTarget(dir.toAbsolutePath().normalize(), name, Path.of(source));
        if (!Files.isRegularFile(p, LinkOption.NOFOLLOW_LINKS)) {
            throw HydraException.invalid(source + ": manifest.json names '" + name + "', which is not in the archive");
        }
        return p;
    }

    private static long size(Path file) {
        try {
            return Files.size(file);
        } catch (IOException e) {
            throw HydraException.invalid("cannot read " + file + ": " + e.getMessage());
        }
    }

    private static boolean gzipped(Path file) {
        try (InputStream in = Files.newInputStream(file)) {
            byte[] magic = in.readNBytes(2);
            return magic.length == 2 && (magic[0] & 0xff) == 0x1f && (magic[1] & 0xff) == 0x8b;
        } catch (IOException e) {
            throw HydraException.invalid("cannot read " + file + ": " + e.getMessage());
        }
    }

    private static String digestOf(Path file, String what) {
        try (InputStream in = Files.newInputStream(file)) {
            MessageDigest sha = MessageDigest.getInstance("SHA-256");
            byte[] buffer = new byte[1 << 16];
            int n;
            while ((n = in.read(buffer)) > 0) {
                sha.update(buffer, 0, n);
            }
            return "sha256:" + HexFormat.of().formatHex(sha.digest());
        } catch (IOException e) {
            throw HydraException.invalid(what + ": cannot read " + file + ": " + e.getMessage());
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
