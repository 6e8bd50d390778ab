package io.hydra.it;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.UUID;
import java.util.function.Consumer;
import java.util.stream.Stream;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * What an attacker with write access to the checkpoint store can do: add a version whose config.json is one of
 * their choosing, written straight into the store's files (the fs store's directory, or S3Proxy's filesystem
 * backend), with the manifest's MAC left as it was, removed, or never there.
 */
final class PlantedCheckpoint {
    static final String BUNDLE_CONFIG = "hydra-bundle-config.json";

    enum Mac { KEEP_ORIGINAL, REMOVE }

    private PlantedCheckpoint() {
    }

    static Path manifest(Path storeDir, String containerId, long version) {
        return storeDir.resolve("manifests").resolve(containerId).resolve(String.format("%020d.json", version));
    }

    /** A config.json whose prestart hook, if runc ever ran it, would create {@code marker} on the host. */
    static void addHook(ObjectNode config, Path marker) {
        ObjectNode hook = config.putObject("hooks").putArray("prestart").addObject();
        hook.put("path", "/bin/touch");
        hook.putArray("args").add("touch").add(marker.toString());
    }

    /**
     * Copies version {@code from} of the container to version {@code to}, with the config the image carries
     * replaced by {@code config} changed by {@code change}; a raw chunk record in a new pack holds it.
     */
    static void plant(Path storeDir, String containerId, long from, long to, Path config, Consumer<ObjectNode> change,
                      Mac mac) throws IOException {
        ObjectNode planted = (ObjectNode) HydraDaemonProcess.JSON.readTree(config.toFile());
        change.accept(planted);
        byte[] plain = HydraDaemonProcess.JSON.writeValueAsBytes(planted);
        String pack = "planted-" + UUID.randomUUID();
        ByteBuffer record = ByteBuffer.allocate(16 + plain.length);
        record.put("HYCK".getBytes(StandardCharsets.US_ASCII)).put((byte) 1).put((byte) 0).putShort((short) 0)
                .putInt(plain.length).putInt(plain.length).put(plain);
        Files.createDirectories(storeDir.resolve("packs"));
        Files.write(storeDir.resolve("packs").resolve(pack), record.array());

        ObjectNode manifest = (ObjectNode) HydraDaemonProcess.JSON.readTree(manifest(storeDir, containerId, from)
                .toFile());
        long logical = 0;
        boolean found = false;
        for (JsonNode f : manifest.get("files")) {
            ObjectNode file = (ObjectNode) f;
            if (file.get("path").asText().equals(BUNDLE_CONFIG)) {
                found = true;
                file.put("size", plain.length);
                // What the daemon writes: format 1 names a file by its SHA-256, format 2 by the Merkle root of its
                // chunks; a planter that gets it wrong is refused before its config could matter.
                file.put("sha256", manifest.get("format").asInt() >= 2 ? merkleRootOfOneChunk(plain) : sha256(plain));
                ArrayNode chunks = file.putArray("chunks");
                chunks.addObject().put("sha256", sha256(plain)).put("plainLength", plain.length).put("pack", pack)
                        .put("offset", 0).put("storedLength", record.capacity());
            }
            logical += file.get("size").asLong();
        }
        if (!found) {
            throw new IllegalStateException("version " + from + " carries no " + BUNDLE_CONFIG);
        }
        manifest.put("version", to);
        manifest.put("logicalBytes", logical);
        manifest.put("storedBytes", 0);
        if (mac == Mac.REMOVE) {
            manifest.remove("mac");
        }
        Files.write(manifest(storeDir, containerId, to), HydraDaemonProcess.JSON.writeValueAsBytes(manifest));
    }

    /** Version {@code from} copied to {@code to} with only its version number changed: its MAC no longer fits. */
    static void copyWithWrongMac(Path storeDir, String containerId, long from, long to) throws IOException {
        ObjectNode manifest = (ObjectNode) HydraDaemonProcess.JSON.readTree(manifest(storeDir, containerId, from)
                .toFile());
        if (!manifest.has("mac")) {
            throw new IllegalStateException("version " + from + " has no MAC to get wrong");
        }
        manifest.put("version", to);
        Files.write(manifest(storeDir, containerId, to), HydraDaemonProcess.JSON.writeValueAsBytes(manifest));
    }

    /** Whether any stored pack holds these bytes. */
    static boolean anyPackContains(Path storeDir, String text) throws IOException {
        byte[] needle = text.getBytes(StandardCharsets.US_ASCII);
        try (Stream<Path> files = Files.walk(storeDir.resolve("packs"))) {
            for (Path pack : files.filter(Files::isRegularFile).toList()) {
                if (indexOf(Files.readAllBytes(pack), needle) >= 0) {
                    return true;
                }
            }
        }
        return false;
    }

    private static int indexOf(byte[] haystack, byte[] needle) {
        outer:
        for (int i = 0; i + needle.length <= haystack.length; i++) {
            for (int j = 0; j < needle.length; j++) {
                if (haystack[i + j] != needle[j]) {
                    continue outer;
                }
            }
            return i;
        }
        return -1;
    }

    /** SHA-256 over the tag "hydra merkle v1\n", then the chunk's length (4 bytes, big-endian) and its SHA-256. */
    private static String merkleRootOfOneChunk(byte[] plain) {
        try {
            MessageDigest root = MessageDigest.getInstance("SHA-256");
            root.update("hydra merkle v1\n".getBytes(java.nio.charset.StandardCharsets.US_ASCII));
            root.update(java.nio.ByteBuffer.allocate(4).putInt(plain.length).array());
            root.update(MessageDigest.getInstance("SHA-256").digest(plain));
            return HexFormat.of().formatHex(root.digest());
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    private static String sha256(byte[] data) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(data));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
