package io.hydra.runtime.image;

import java.io.IOException;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import io.hydra.runtime.HydraException;

/**
 * Reads manifests, indexes and image configs. Everything read is untrusted: every digest is checked for form, every
 * size for sign, and an unknown or schema 1 manifest is refused with the reason.
 */
public final class ManifestParser {
    /** No manifest or config is larger; reading stops here rather than trusting a length. */
    public static final int MAX_DOCUMENT_BYTES = 4 << 20;
    public static final String PLATFORM_OS = "linux";
    public static final String PLATFORM_ARCH = "amd64";
    private static final ObjectMapper JSON = new ObjectMapper();

    private ManifestParser() {
    }

    /**
     * @param contentType the media type a registry answered with, or null (a layout, where the document or its
     *                    descriptor says)
     * @param what        names the image in errors
     */
    public static ParsedManifest parse(byte[] json, String contentType, String what) {
        JsonNode root = tree(json, what + ": manifest");
        String mediaType = text(root, "mediaType");
        if (mediaType == null) {
            mediaType = contentType;
        }
        if (mediaType != null && mediaType.contains(";")) {
            mediaType = mediaType.substring(0, mediaType.indexOf(';')).trim();
        }
        int schemaVersion = root.path("schemaVersion").asInt(-1);
        if (schemaVersion == 1 || MediaTypes.DOCKER_SCHEMA1.equals(mediaType)
                || MediaTypes.DOCKER_SCHEMA1_SIGNED.equals(mediaType)) {
            throw HydraException.invalid(what + ": the registry serves a Docker schema 1 manifest, which Hydra does"
                    + " not support (deprecated since 2017); push the image again with a current tool");
        }
        if (schemaVersion != 2) {
            throw HydraException.invalid(what + ": manifest schemaVersion is " + schemaVersion + ", expected 2");
        }
        if (mediaType == null) {
            mediaType = root.has("manifests") ? MediaTypes.OCI_INDEX : MediaTypes.OCI_MANIFEST;
        }
        return switch (mediaType) {
            case MediaTypes.OCI_INDEX, MediaTypes.DOCKER_LIST -> index(root, what);
            case MediaTypes.OCI_MANIFEST, MediaTypes.DOCKER_MANIFEST -> image(root, mediaType, what);
            default -> throw HydraException.invalid(what + ": unsupported manifest media type '" + mediaType + "'");
        };
    }

    private static ParsedManifest.Index index(JsonNode root, String what) {
        JsonNode list = root.get("manifests");
        if (list == null || !list.isArray()) {
            throw HydraException.invalid(what + ": index has no 'manifests' array");
        }
        List<ParsedManifest.Entry> entries = new ArrayList<>();
        for (JsonNode m : list) {
            ParsedManifest.Descriptor d = descriptor(m, what + ": index entry");
            JsonNode platform = m.path("platform");
            entries.add(new ParsedManifest.Entry(d.digest(), d.mediaType(), d.size(), text(platform, "os"),
                    text(platform, "architecture"), text(platform, "variant")));
        }
        return new ParsedManifest.Index(entries);
    }

    private static ParsedManifest.Image image(JsonNode root, String mediaType, String what) {
        JsonNode config = root.get("config");
        if (config == null || !config.isObject()) {
            throw HydraException.invalid(what + ": manifest has no 'config' descriptor");
        }
        JsonNode layers = root.get("layers");
        if (layers == null || !layers.isArray()) {
            throw HydraException.invalid(what + ": manifest has no 'layers' array");
        }
        List<ParsedManifest.Descriptor> ds = new ArrayList<>();
        int i = 0;
        for (JsonNode l : layers) {
            ParsedManifest.Descriptor d = descriptor(l, what + ": layer " + i++);
            if (!MediaTypes.LAYERS.contains(d.mediaType())) {
                throw HydraException.invalid(what + ": layer " + d.digest() + " has unsupported media type '"
                        + d.mediaType() + "'");
            }
            ds.add(d);
        }
        return new ParsedManifest.Image(mediaType, descriptor(config, what + ": config"), ds);
    }

    private static ParsedManifest.Descriptor descriptor(JsonNode node, String what) {
        String digest = Digests.check(text(node, "digest"), what);
        JsonNode size = node.get("size");
        if (size == null || !size.canConvertToLong() || size.asLong() < 0) {
            throw HydraException.invalid(what + " " + digest + ": size is missing or negative");
        }
        return new ParsedManifest.Descriptor(text(node, "mediaType"), digest, size.asLong());
    }

    /** The index entry for linux/amd64, or an error listing the platforms there are. */
    public static ParsedManifest.Entry selectPlatform(ParsedManifest.Index index, String what) {
        List<String> seen = new ArrayList<>();
        for (ParsedManifest.Entry e : index.manifests()) {
            if (PLATFORM_OS.equals(e.os()) && PLATFORM_ARCH.equals(e.architecture())) {
                return e;
            }
            seen.add(e.os() + "/" + e.architecture() + (e.variant() != null ? "/" + e.variant() : ""));
        }
        throw HydraException.notFound(what + ": no manifest for " + PLATFORM_OS + "/" + PLATFORM_ARCH + " (the index"
                + " has " + (seen.isEmpty() ? "none" : String.join(", ", seen)) + ")");
    }

    /**
     * Refuses a config built for another platform: a single manifest carries no platform of its own, and an arm64
     * image would otherwise be stored and fail only at exec. A config naming no os or architecture (old builders
     * left them out) is taken as it is.
     */
    public static void checkPlatform(Config config, String what) {
        boolean osDiffers = config.os() != null && !config.os().isEmpty() && !PLATFORM_OS.equals(config.os());
        boolean archDiffers = config.architecture() != null && !config.architecture().isEmpty()
                && !PLATFORM_ARCH.equals(config.architecture());
        if (osDiffers || archDiffers) {
            throw HydraException.invalid(what + " is built for " + config.os() + "/" + config.architecture()
                    + "; this node runs " + PLATFORM_OS + "/" + PLATFORM_ARCH);
        }
    }

    /** The parts of an image config Hydra uses: the process config, the layers' diff ids and the creation time. */
    public record Config(ImageConfig config, List<String> diffIds, Optional<Instant> created, String os,
                         String architecture) {
        public Config {
            diffIds = List.copyOf(diffIds);
        }
    }

    public static Config config(byte[] json, String what) {
        JsonNode root = tree(json, what + ": config");
        JsonNode c = root.path("config");
        List<String> diffIds = new ArrayList<>();
        JsonNode ids = root.path("rootfs").path("diff_ids");
        if (!ids.isArray()) {
            throw HydraException.invalid(what + ": config has no rootfs.diff_ids");
        }
        for (JsonNode id : ids) {
            diffIds.add(Digests.check(id.asText(null), what + ": config diff_id"));
        }
        Map<String, String> labels = new LinkedHashMap<>();
        c.path("Labels").fields().forEachRemaining(e -> labels.put(e.getKey(), e.getValue().asText()));
        List<String> ports = new ArrayList<>();
        c.path("ExposedPorts").fieldNames().forEachRemaining(ports::add);
        ImageConfig config = new ImageConfig(strings(c.path("Entrypoint")), strings(c.path("Cmd")),
                strings(c.path("Env")), emptyToNull(text(c, "WorkingDir")), emptyToNull(text(c, "User")), labels,
                ports, emptyToNull(text(c, "StopSignal")));
        Optional<Instant> created = Optional.empty();
        String createdText = text(root, "created");
        if (createdText != null) {
            try {
                created = Optional.of(Instant.parse(createdText));
            } catch (DateTimeParseException ignored) {
                // an unreadable creation time is only a listing detail; the import time stands in for it
            }
        }
        return new Config(config, diffIds, created, text(root, "os"), text(root, "architecture"));
    }

    private static List<String> strings(JsonNode node) {
        List<String> out = new ArrayList<>();
        if (node.isArray()) {
            node.forEach(n -> out.add(n.asText()));
        }
        return out;
    }

    private static String emptyToNull(String s) {
        return s == null || s.isEmpty() ? null : s;
    }

    static String text(JsonNode node, String field) {
        JsonNode v = node.get(field);
        return v == null || v.isNull() || !v.isValueNode() ? null : v.asText();
    }

    static JsonNode tree(byte[] json, String what) {
        if (json.length > MAX_DOCUMENT_BYTES) {
            throw HydraException.invalid(what + " is larger than " + MAX_DOCUMENT_BYTES + " bytes");
        }
        try {
            JsonNode root = JSON.readTree(json);
            if (root == null || !root.isObject()) {
                throw HydraException.invalid(what + " is not a JSON object");
            }
            return root;
        } catch (IOException e) {
            throw HydraException.invalid(what + " is not valid JSON: " + e.getMessage());
        }
    }
}
