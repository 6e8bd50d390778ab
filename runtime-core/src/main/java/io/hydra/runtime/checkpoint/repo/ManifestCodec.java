package io.hydra.runtime.checkpoint.repo;

import java.io.IOException;
import java.security.InvalidKeyException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;

import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * Manifest JSON, both ways, and its validation. A manifest read back is untrusted input that decides what gets
 * written where and what is run as root, so every field is checked for type and range, paths may not leave the
 * image directory, chunk lengths stay within what {@link Chunker} and {@link ChunkCodec} produce, sums must add up,
 * unknown and duplicate fields are refused, and the whole must belong to the container and version asked for.
 *
 * <p>The MAC, when a key is configured, is HMAC-SHA256 over the canonical encoding: the manifest without its
 * {@code mac} field, fields in the fixed order this class writes, metadata sorted by key, no whitespace. The reader
 * re-encodes what it parsed and compares, so a manifest whose bytes were reordered or padded is refused along with
 * one whose values were changed.
 */
final class ManifestCodec {
    static final int MAX_MANIFEST_BYTES = 256 * 1024 * 1024;
    static final int MAX_PATH_LENGTH = 4096;
    static final int MAX_SEGMENT_LENGTH = 255;
    static final int MAX_METADATA_ENTRIES = 64;
    static final int MAX_METADATA_KEY_LENGTH = 128;
    static final int MAX_METADATA_VALUE_LENGTH = 4096;
    static final int MAX_CONTAINER_NAME_LENGTH = 128;
    /** Packs are ~16 MiB; an offset beyond 1 TiB is garbage, not a big pack. */
    static final long MAX_PACK_OFFSET = 1L << 40;

    private static final Pattern CONTAINER_NAME = Pattern.compile("[a-zA-Z0-9][a-zA-Z0-9_.-]*");
    private static final Set<String> MANIFEST_FIELDS = Set.of("format", "containerId", "containerName", "version",
            "createdAt", "logicalBytes", "storedBytes", "metadata", "files", "mac");
    private static final Set<String> FILE_FIELDS = Set.of("path", "mode", "size", "sha256", "chunks",
            "pages");
    private static final Set<String> CHUNK_FIELDS = Set.of("sha256", "plainLength", "pack", "offset", "storedLength");
    private static final ObjectMapper MAPPER = JsonMapper.builder(JsonFactory.builder()
                    .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION).build())
            .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
            .build();

    private final Optional<byte[]> macKey;

    ManifestCodec(Optional<byte[]> macKey) {
        this.macKey = macKey;
    }

    /** The stored bytes: canonical JSON, plus the MAC when a key is configured. */
    byte[] encode(Manifest manifest) {
        ObjectNode root = canonicalTree(manifest);
        if (macKey.isPresent()) {
            root.put("mac", HexFormat.of().formatHex(mac(manifest)));
        }
        return write(root);
    }

    /** A parsed and validated manifest, and why its MAC does not verify (empty when it does, or without a key). */
    record Read(Manifest manifest, Optional<String> macProblem) {
        boolean authentic() {
            return macProblem.isEmpty();
        }
    }

    /**
     * Parses and validates a manifest read from {@code manifests/<containerId>/<version>.json}. With
     * {@code verifyMac} and a key configured, a missing or wrong MAC is refused.
     */
    Manifest decode(byte[] json, String containerId, long version, boolean verifyMac)
            throws CheckpointCorruptException {
        Read read = read(json, containerId, version);
        if (verifyMac && read.macProblem().isPresent()) {
            throw CheckpointCorruptException.ofManifest(containerId, version, "manifest refused: "
                    + read.macProblem().get(), null);
        }
        return read.manifest();
    }

    /**
     * Parses and validates a manifest, and checks its MAC without refusing it for that: garbage collection must
     * count the packs even an unauthentic manifest references, while dedup must not trust it.
     */
    Read read(byte[] json, String containerId, long version) throws CheckpointCorruptException {
        try {
            JsonNode root;
            try {
                root = MAPPER.readTree(json);
            } catch (JsonProcessingException e) {
                throw new Invalid("not valid JSON: " + e.getOriginalMessage());
            } catch (IOException e) {
                throw new Invalid("not valid JSON: " + e.getMessage());
            }
            if (root == null || !root.isObject()) {
                throw new Invalid("not a JSON object");
            }
            Manifest manifest = parse(root, containerId, version);
            return new Read(manifest, macKey.isPresent() ? macProblem(root, manifest) : Optional.empty());
        } catch (Invalid e) {
            throw CheckpointCorruptException.ofManifest(containerId, version, "manifest refused: " + e.getMessage(),
                    null);
        }
    }

    private Manifest parse(JsonNode root, String containerId, long version) throws Invalid {
        onlyFields(root, MANIFEST_FIELDS, "the manifest");
        int format = (int) longField(root, "format", "format", 1, Integer.MAX_VALUE);
        if (format < Manifest.OLDEST_FORMAT || format > Manifest.FORMAT) {
            throw new Invalid("format " + format + " is not supported (this daemon reads formats "
                    + Manifest.OLDEST_FORMAT + " to " + Manifest.FORMAT + ")");
        }
        String owner = stringField(root, "containerId", "containerId", ManifestNames.MAX_CONTAINER_ID_LENGTH);
        if (!owner.equals(containerId)) {
            throw new Invalid("it belongs to container " + printable(owner) + ", not " + containerId);
        }
        long recordedVersion = longField(root, "version", "version", 1, Long.MAX_VALUE);
        if (recordedVersion != version) {
            throw new Invalid("it is for version " + recordedVersion + ", not " + version);
        }
        String containerName = stringField(root, "containerName", "containerName", MAX_CONTAINER_NAME_LENGTH);
        if (!CONTAINER_NAME.matcher(containerName).matches() || containerName.contains("..")) {
            throw new Invalid("containerName '" + printable(containerName) + "' is not a valid container name");
        }
        String created = stringField(root, "createdAt", "createdAt", 64);
        Instant createdAt;
        try {
            createdAt = Instant.parse(created);
        } catch (DateTimeParseException e) {
            throw new Invalid("createdAt '" + printable(created) + "' is not an ISO-8601 instant");
        }
        Map<String, String> metadata = metadata(root.get("metadata"));
        List<ManifestFile> files = files(required(root, "files", "files"), format);
        long logicalBytes = longField(root, "logicalBytes", "logicalBytes", 0, Long.MAX_VALUE);
        long storedBytes = longField(root, "storedBytes", "storedBytes", 0, Long.MAX_VALUE);
        long sizes = 0;
        long stored = 0;
        for (ManifestFile file : files) {
            sizes += file.size(); // cannot overflow: each size is a sum of at most ~1000 M chunks of 256 KiB
            for (ChunkRef chunk : file.chunks()) {
                stored += chunk.storedLength();
            }
        }
        if (logicalBytes != sizes) {
            throw new Invalid("logicalBytes is " + logicalBytes + " but the files add up to " + sizes);
        }
        if (storedBytes > stored) {
            throw new Invalid("storedBytes is " + storedBytes + " but the chunks only hold " + stored);
        }
        return new Manifest(format, owner, containerName, version, createdAt, files, metadata, logicalBytes,
                storedBytes);
    }

    private static Map<String, String> metadata(JsonNode node) throws Invalid {
        if (node == null || node.isNull()) {
            throw new Invalid("metadata is missing");
        }
        if (!node.isObject()) {
            throw new Invalid("metadata is not an object");
        }
        if (node.size() > MAX_METADATA_ENTRIES) {
            throw new Invalid("metadata has " + node.size() + " entries; at most " + MAX_METADATA_ENTRIES);
        }
        Map<String, String> metadata = new LinkedHashMap<>();
        for (Iterator<Map.Entry<String, JsonNode>> it = node.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> entry = it.next();
            String key = entry.getKey();
            if (key.isEmpty() || key.length() > MAX_METADATA_KEY_LENGTH) {
                throw new Invalid("metadata key '" + printable(key) + "' is empty or longer than "
                        + MAX_METADATA_KEY_LENGTH);
            }
            if (!entry.getValue().isTextual() || entry.getValue().textValue().length() > MAX_METADATA_VALUE_LENGTH) {
                throw new Invalid("metadata." + printable(key) + " is not a string of at most "
                        + MAX_METADATA_VALUE_LENGTH + " characters");
            }
            metadata.put(key, entry.getValue().textValue());
        }
        return metadata;
    }

    private static List<ManifestFile> files(JsonNode node, int format) throws Invalid {
        if (!node.isArray()) {
            throw new Invalid("files is not an array");
        }
        List<ManifestFile> files = new ArrayList<>(node.size());
        Set<String> paths = new HashSet<>();
        Set<String> directories = new HashSet<>();
        // Packs are named once per pack, not once per chunk: share the strings.
        Map<String, String> packs = new LinkedHashMap<>();
        for (int i = 0; i < node.size(); i++) {
            String where = "files[" + i + "]";
            JsonNode file = node.get(i);
            if (!file.isObject()) {
                throw new Invalid(where + " is not an object");
            }
            onlyFields(file, FILE_FIELDS, where);
            String path = stringField(file, "path", where + ".path", MAX_PATH_LENGTH);
            String problem = pathProblem(path);
            if (problem != null) {
                throw new Invalid(where + ".path '" + printable(path) + "' " + problem);
            }
            if (!paths.add(path)) {
                throw new Invalid(where + ".path '" + path + "' appears twice");
            }
            int mode = (int) longField(file, "mode", where + ".mode", 0, 0777);
            long size = longField(file, "size", where + ".size", 0, Long.MAX_VALUE);
            String sha256 = hexField(file, "sha256", where + ".sha256");
            JsonNode chunkNodes = required(file, "chunks", where + ".chunks");
            if (!chunkNodes.isArray()) {
                throw new Invalid(where + ".chunks is not an array");
            }
            List<ChunkRef> chunks = new ArrayList<>(chunkNodes.size());
            long sum = 0;
            for (int c = 0; c < chunkNodes.size(); c++) {
                ChunkRef chunk = chunk(chunkNodes.get(c), where + ".chunks[" + c + "]", packs);
                sum += chunk.plainLength();
                chunks.add(chunk);
            }
            Optional<PageIndex> pages = Optional.empty();
            JsonNode pagesNode = file.get("pages");
            if (pagesNode != null) {
                if (format < 2) {
                    throw new Invalid(where + ".pages appears in a format " + format + " manifest");
                }
                if (!pagesNode.isTextual()) {
                    throw new Invalid(where + ".pages is not a string");
                }
                try {
                    pages = Optional.of(PageIndex.decode(pagesNode.textValue(), chunks, size));
                } catch (IllegalArgumentException e) {
                    throw new Invalid(where + ".pages (" + path + ") " + e.getMessage());
                }
            } else if (sum != size) {
                throw new Invalid(where + " (" + path + ") has size " + size + " but its chunks hold " + sum
                        + " bytes");
            }
            for (int slash = path.indexOf('/'); slash >= 0; slash = path.indexOf('/', slash + 1)) {
                directories.add(path.substring(0, slash));
            }
            files.add(new ManifestFile(path, mode, size, sha256, chunks, pages));
        }
        for (String path : paths) {
            if (directories.contains(path)) {
                throw new Invalid("'" + path + "' is both a file and a directory");
            }
        }
        return files;
    }

    private static ChunkRef chunk(JsonNode node, String where, Map<String, String> packs) throws Invalid {
        if (!node.isObject()) {
            throw new Invalid(where + " is not an object");
        }
        onlyFields(node, CHUNK_FIELDS, where);
        String sha256 = hexField(node, "sha256", where + ".sha256");
        int plainLength = (int) longField(node, "plainLength", where + ".plainLength", 1, Chunker.MAX_CHUNK);
        String pack = stringField(node, "pack", where + ".pack", 200);
        if (!PackWriter.isValidId(pack)) {
            throw new Invalid(where + ".pack '" + printable(pack) + "' is not a valid pack id");
        }
        pack = packs.computeIfAbsent(pack, p -> p);
        long offset = longField(node, "offset", where + ".offset", 0, MAX_PACK_OFFSET);
        // A record is its header plus at most the plain bytes (raw when LZ4 does not help), plus nonce and tag
        // when encrypted.
        int storedLength = (int) longField(node, "storedLength", where + ".storedLength",
                ChunkCodec.HEADER_BYTES + 1, ChunkCodec.MAX_OVERHEAD_BYTES + (long) plainLength);
        return new ChunkRef(sha256, plainLength, pack, offset, storedLength);
    }

    /** Why a relative path may not be written under a restore directory, or null when it may. */
    static String pathProblem(String path) {
        if (path.isEmpty()) {
            return "is empty";
        }
        if (path.length() > MAX_PATH_LENGTH) {
            return "is longer than " + MAX_PATH_LENGTH + " characters";
        }
        if (path.startsWith("/")) {
            return "is absolute";
        }
        for (int i = 0; i < path.length(); i++) {
            if (path.charAt(i) < 0x20 || path.charAt(i) == 0x7f) {
                return "contains a control character";
            }
        }
        for (String segment : path.split("/", -1)) {
            if (segment.isEmpty()) {
                return "has an empty segment";
            }
            if (segment.equals("..")) {
                return "contains '..'";
            }
            if (segment.equals(".")) {
                return "contains a '.' segment";
            }
            if (segment.length() > MAX_SEGMENT_LENGTH) {
                return "has a segment longer than " + MAX_SEGMENT_LENGTH + " characters";
            }
        }
        return null;
    }

    private Optional<String> macProblem(JsonNode root, Manifest manifest) {
        JsonNode mac = root.get("mac");
        if (mac == null || mac.isNull()) {
            return Optional.of("it has no MAC but a MAC key is configured");
        }
        if (!mac.isTextual() || !Sha256.isHex(mac.textValue())) {
            return Optional.of("its MAC is not 64 lowercase hex digits");
        }
        if (!MessageDigest.isEqual(mac(manifest), HexFormat.of().parseHex(mac.textValue()))) {
            return Optional.of("its MAC is wrong (changed after it was written, or written under another key)");
        }
        return Optional.empty();
    }

    private byte[] mac(Manifest manifest) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(macKey.orElseThrow(), "HmacSHA256"));
            return mac.doFinal(write(canonicalTree(manifest)));
        } catch (NoSuchAlgorithmException | InvalidKeyException e) {
            // Every Java platform provides HmacSHA256, and any non-empty key is valid for it.
            throw new IllegalStateException("HmacSHA256 is not usable", e);
        }
    }

    private static ObjectNode canonicalTree(Manifest manifest) {
        ObjectNode root = MAPPER.createObjectNode();
        root.put("format", manifest.format());
        root.put("containerId", manifest.containerId());
        root.put("containerName", manifest.containerName());
        root.put("version", manifest.version());
        root.put("createdAt", manifest.createdAt().toString());
        root.put("logicalBytes", manifest.logicalBytes());
        root.put("storedBytes", manifest.storedBytes());
        ObjectNode metadata = root.putObject("metadata");
        manifest.metadata().forEach(metadata::put); // sorted by the record
        ArrayNode files = root.putArray("files");
        for (ManifestFile file : manifest.files()) {
            ObjectNode f = files.addObject();
            f.put("path", file.path());
            f.put("mode", file.mode());
            f.put("size", file.size());
            f.put("sha256", file.sha256());
            ArrayNode chunks = f.putArray("chunks");
            for (ChunkRef chunk : file.chunks()) {
                ObjectNode c = chunks.addObject();
                c.put("sha256", chunk.sha256());
                c.put("plainLength", chunk.plainLength());
                c.put("pack", chunk.pack());
                c.put("offset", chunk.offset());
                c.put("storedLength", chunk.storedLength());
            }
            file.pages().ifPresent(pages -> f.put("pages", pages.encode()));
        }
        return root;
    }

    private static byte[] write(ObjectNode node) {
        try {
            return MAPPER.writeValueAsBytes(node);
        } catch (JsonProcessingException e) {
            // A tree of strings and numbers always serializes.
            throw new IllegalStateException("cannot write manifest JSON", e);
        }
    }

    private static void onlyFields(JsonNode node, Set<String> allowed, String where) throws Invalid {
        for (Iterator<String> names = node.fieldNames(); names.hasNext(); ) {
            String name = names.next();
            if (!allowed.contains(name)) {
                throw new Invalid(where + " has unknown field '" + printable(name) + "'");
            }
        }
    }

    private static JsonNode required(JsonNode node, String field, String where) throws Invalid {
        JsonNode value = node.get(field);
        if (value == null || value.isNull()) {
            throw new Invalid(where + " is missing");
        }
        return value;
    }

    private static long longField(JsonNode node, String field, String where, long min, long max) throws Invalid {
        JsonNode value = required(node, field, where);
        if (!value.isIntegralNumber() || !value.canConvertToLong()) {
            throw new Invalid(where + " is not an integer");
        }
        long number = value.longValue();
        if (number < min || number > max) {
            throw new Invalid(where + " is " + number + "; it must be within " + min + ".." + max);
        }
        return number;
    }

    private static String stringField(JsonNode node, String field, String where, int maxLength) throws Invalid {
        JsonNode value = required(node, field, where);
        if (!value.isTextual()) {
            throw new Invalid(where + " is not a string");
        }
        if (value.textValue().length() > maxLength) {
            throw new Invalid(where + " is longer than " + maxLength + " characters");
        }
        return value.textValue();
    }

    private static String hexField(JsonNode node, String field, String where) throws Invalid {
        String value = stringField(node, field, where, Sha256.HEX_LENGTH);
        if (!Sha256.isHex(value)) {
            throw new Invalid(where + " '" + printable(value) + "' is not a SHA-256 in lowercase hex");
        }
        return value;
    }

    /** Untrusted text quoted in a message: control characters shown as '?', long values cut. */
    private static String printable(String value) {
        String cut = value.length() > 80 ? value.substring(0, 80) + "…" : value;
        return cut.replaceAll("\\p{Cntrl}", "?");
    }

    /** A validation failure; {@link #decode} turns it into a {@link CheckpointCorruptException}. */
    private static final class Invalid extends Exception {
        Invalid(String problem) {
            super(problem, null, false, false);
        }
    }
}
