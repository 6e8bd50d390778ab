package io.hydra.runtime.image.store;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.security.InvalidKeyException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.HexFormat;
import java.util.Optional;

import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

import io.hydra.runtime.image.Digests;

/**
 * Ref records as JSON, signed with the repository's manifest MAC key (HMAC-SHA256, the key checkpoint manifests are
 * signed with): storage is not trusted, and a planted ref would make every node run an image nobody pulled. The MAC
 * covers a fixed-order encoding of every field, so no field can be moved or swapped without it failing.
 *
 * <p>What the MAC does not give: without a key (a store run unsigned) every record decodes as authentic, so anyone
 * who can write the bucket can point a ref at any image stored there. With a key, a record carries no version or
 * expiry, so an older record this daemon once signed for the same ref (kept by whoever could read the bucket) can be
 * written back and verifies: a tag can be rolled back to an image it named before, though never to one no holder
 * of the key ever signed for it. Pinning a digest ({@code NAME@sha256:...}) is not affected.
 */
final class RefCodec {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String DOMAIN = "hydra-image-ref/v1";
    static final int MAX_RECORD_BYTES = 64 << 10;

    private final Optional<byte[]> macKey;

    RefCodec(Optional<byte[]> macKey) {
        this.macKey = macKey.map(byte[]::clone);
    }

    byte[] encode(String ref, String manifestDigest, Instant createdAt) {
        ObjectNode node = JSON.createObjectNode();
        node.put("ref", ref);
        node.put("manifestDigest", manifestDigest);
        node.put("createdAt", createdAt.toString());
        macKey.ifPresent(k -> node.put("mac", HexFormat.of().formatHex(mac(k, ref, manifestDigest, createdAt.toString()))));
        try {
            return JSON.writeValueAsBytes(node);
        } catch (IOException e) {
            throw new IllegalStateException("encoding a ref record", e);
        }
    }

    /** @throws IOException when the record is not one (malformed JSON, a bad digest) */
    RefRecord decode(byte[] json, String blobName) throws IOException {
        if (json.length > MAX_RECORD_BYTES) {
            throw new IOException("image ref record " + blobName + " is larger than " + MAX_RECORD_BYTES + " bytes");
        }
        JsonNode node = JSON.readTree(json);
        if (node == null || !node.isObject()) {
            throw new IOException("image ref record " + blobName + " is not a JSON object");
        }
        String ref = node.path("ref").asText("");
        String digest = node.path("manifestDigest").asText("");
        String created = node.path("createdAt").asText("");
        if (ref.isEmpty() || !Digests.valid(digest)) {
            throw new IOException("image ref record " + blobName + " has no ref or no valid manifest digest");
        }
        Instant createdAt;
        try {
            createdAt = Instant.parse(created);
        } catch (DateTimeParseException e) {
            throw new IOException("image ref record " + blobName + " has an unreadable createdAt '" + created + "'");
        }
        boolean authentic;
        if (macKey.isEmpty()) {
            authentic = true;
        } else {
            JsonNode mac = node.get("mac");
            authentic = mac != null && mac.isTextual() && mac.textValue().matches("[0-9a-f]{64}")
                    && MessageDigest.isEqual(mac(macKey.get(), ref, digest, created),
                    HexFormat.of().parseHex(mac.textValue()));
        }
        return new RefRecord(ref, digest, createdAt, authentic);
    }

    private static byte[] mac(byte[] key, String ref, String digest, String createdAt) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(key, "HmacSHA256"));
            // lengths first: no two field lists encode to the same bytes
            for (String field : new String[] {DOMAIN, ref, digest, createdAt}) {
                byte[] b = field.getBytes(StandardCharsets.UTF_8);
                mac.update((b.length + ":").getBytes(StandardCharsets.US_ASCII));
                mac.update(b);
            }
            return mac.doFinal();
        } catch (NoSuchAlgorithmException | InvalidKeyException e) {
            throw new IllegalStateException("HmacSHA256 is unusable", e);
        }
    }
}
