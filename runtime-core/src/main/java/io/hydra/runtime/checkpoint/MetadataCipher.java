package io.hydra.runtime.checkpoint;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.SecureRandom;
import java.util.Arrays;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

import javax.crypto.AEADBadTagException;
import javax.crypto.Cipher;
import javax.crypto.Mac;
import javax.crypto.spec.GCMParameterSpec;
import javax.crypto.spec.SecretKeySpec;

import io.hydra.runtime.HydraException;

/**
 * Seals the manifest metadata values that can hold secrets when chunks are encrypted: a manifest is stored in clear
 * (it must be listable), so without this {@code redis-server --requirepass S} would sit in the bucket in plain text.
 *
 * <p>Which values: {@code command} (the container's argv, where passwords and tokens are commonly passed). The rest
 * are the daemon's own facts (node, monitor, timings, flags, backend, staging id) or the root path, which a restore
 * on another node must compare before it has anything else to go on; none comes from the user's process.
 *
 * <p>AES-256-GCM with a random nonce (metadata is not deduplicated, so nothing needs to be deterministic), under a
 * key derived from the chunk encryption key with its own label; the metadata key name is authenticated, so a sealed
 * value cannot be moved under another key. A sealed value is {@code aes-gcm:} and base64 of nonce, ciphertext, tag.
 */
final class MetadataCipher {
    static final Set<String> SECRET_KEYS = Set.of("command");
    static final String PREFIX = "aes-gcm:";
    private static final int NONCE_BYTES = 12;
    private static final int TAG_BITS = 128;
    private static final SecureRandom RANDOM = new SecureRandom();

    private final Optional<SecretKeySpec> key;

    /** @param encryptionKey the chunk encryption key ({@code hydra.checkpoint.encryption-key}), when set */
    MetadataCipher(Optional<byte[]> encryptionKey) {
        this.key = encryptionKey.map(k -> new SecretKeySpec(derive(k), "AES"));
    }

    /** The metadata as the manifest should store it: the secret values sealed when there is a key. */
    Map<String, String> seal(Map<String, String> metadata) {
        if (key.isEmpty()) {
            return metadata;
        }
        Map<String, String> sealed = new LinkedHashMap<>(metadata);
        for (String name : SECRET_KEYS) {
            String value = metadata.get(name);
            if (value != null && !value.startsWith(PREFIX)) {
                sealed.put(name, PREFIX + Base64.getEncoder().encodeToString(encrypt(name, value)));
            }
        }
        return sealed;
    }

    /**
     * A metadata value as it was before sealing. A plain value (a version written before encryption was switched
     * on) is returned as it is; a sealed one without a key, or one that does not decrypt, is a clear error.
     */
    String open(String name, String stored, String what) {
        if (stored == null || !stored.startsWith(PREFIX)) {
            return stored;
        }
        if (key.isEmpty()) {
            throw HydraException.failed(what + ": its metadata '" + name + "' is encrypted, and this daemon has no"
                    + " hydra.checkpoint.encryption-key");
        }
        byte[] sealed;
        try {
            sealed = Base64.getDecoder().decode(stored.substring(PREFIX.length()));
        } catch (IllegalArgumentException e) {
            throw HydraException.failed(what + ": its metadata '" + name + "' is not valid base64");
        }
        if (sealed.length < NONCE_BYTES + TAG_BITS / 8) {
            throw HydraException.failed(what + ": its metadata '" + name + "' is shorter than a nonce and a tag");
        }
        try {
            Cipher gcm = Cipher.getInstance("AES/GCM/NoPadding");
            gcm.init(Cipher.DECRYPT_MODE, key.get(), new GCMParameterSpec(TAG_BITS, sealed, 0, NONCE_BYTES));
            gcm.updateAAD(name.getBytes(StandardCharsets.UTF_8));
            return new String(gcm.doFinal(sealed, NONCE_BYTES, sealed.length - NONCE_BYTES), StandardCharsets.UTF_8);
        } catch (AEADBadTagException e) {
            throw HydraException.failed(what + ": its metadata '" + name + "' does not decrypt (AES-GCM"
                    + " authentication failed): it was changed, or written under another encryption key");
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("AES-GCM is not usable", e);
        }
    }

    private byte[] encrypt(String name, String value) {
        byte[] nonce = new byte[NONCE_BYTES];
        RANDOM.nextBytes(nonce);
        try {
            Cipher gcm = Cipher.getInstance("AES/GCM/NoPadding");
            gcm.init(Cipher.ENCRYPT_MODE, key.get(), new GCMParameterSpec(TAG_BITS, nonce));
            gcm.updateAAD(name.getBytes(StandardCharsets.UTF_8));
            byte[] ciphertext = gcm.doFinal(value.getBytes(StandardCharsets.UTF_8));
            byte[] sealed = Arrays.copyOf(nonce, NONCE_BYTES + ciphertext.length);
            System.arraycopy(ciphertext, 0, sealed, NONCE_BYTES, ciphertext.length);
            return sealed;
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("AES-GCM is not usable", e);
        }
    }

    private static byte[] derive(byte[] encryptionKey) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(encryptionKey, "HmacSHA256"));
            return mac.doFinal("hydra manifest metadata v1".getBytes(StandardCharsets.US_ASCII));
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("HmacSHA256 is not usable", e);
        }
    }
}
