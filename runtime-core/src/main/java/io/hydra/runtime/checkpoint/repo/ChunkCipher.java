package io.hydra.runtime.checkpoint.repo;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.util.Arrays;
import java.util.HexFormat;

import javax.crypto.AEADBadTagException;
import javax.crypto.Cipher;
import javax.crypto.Mac;
import javax.crypto.spec.GCMParameterSpec;
import javax.crypto.spec.SecretKeySpec;

/**
 * Encryption of chunks at rest: AES-256-GCM, deterministic per chunk, and chunk names that do not reveal the
 * plaintext's hash.
 *
 * <p>Why deterministic is safe here, and how (SIV-style). Dedup needs equal chunks to be stored once, so equal
 * plaintexts must encrypt to the same record, which a random nonce would prevent. GCM breaks down only when one
 * nonce encrypts two <em>different</em> plaintexts (the keystream repeats, and the authentication key can be
 * recovered). So the nonce is a pseudo-random function, under a secret key, of exactly the bytes that are
 * encrypted: the first 96 bits of {@code HMAC-SHA256(nonceKey, header || inner)}, where {@code inner} is the raw or
 * LZ4 bytes handed to GCM. Deriving it from the plaintext chunk instead would not do: two LZ4 versions may compress
 * one chunk differently, and one nonce would then encrypt two different messages. Equal inputs get the same nonce
 * and the same ciphertext (revealing only that they are equal, which the chunk's name {@code HMAC-SHA256(idKey,
 * plain)} reveals anyway and dedup requires); different inputs get unrelated nonces, which collide with probability
 * about n²/2⁹⁷ for n records (2⁻³³ at 2³² records, a petabyte of 256 KiB chunks). This is the synthetic-IV
 * construction of AES-SIV/GCM-SIV built from the JDK's primitives: no third-party crypto.
 *
 * <p>Names are keyed so that someone reading the bucket cannot confirm a guess of a chunk's content (a known file,
 * a page of a known binary) by hashing it: a plain SHA-256 name would allow exactly that. File hashes in the
 * manifest are keyed the same way. Compression happens before encryption, so record sizes still say how
 * compressible a chunk was; that is the price of storing less.
 *
 * <p>The three keys are derived from the configured 32-byte key with HMAC-SHA256 under distinct labels, so no key
 * is ever used for two purposes. Thread-safe.
 */
final class ChunkCipher {
    static final int KEY_BYTES = 32;
    static final int NONCE_BYTES = 12;
    static final int TAG_BYTES = 16;
    /** What sealing adds to a record's payload: the nonce and the tag. */
    static final int SEAL_BYTES = NONCE_BYTES + TAG_BYTES;

    private final SecretKeySpec encryptionKey;
    private final SecretKeySpec idKey;
    private final SecretKeySpec nonceKey;
    private final ThreadLocal<Mac> idMac;
    private final ThreadLocal<Mac> nonceMac;

    ChunkCipher(byte[] key) {
        if (key.length != KEY_BYTES) {
            throw new IllegalArgumentException("the chunk encryption key has " + key.length + " bytes; AES-256 needs"
                    + " exactly " + KEY_BYTES);
        }
        SecretKeySpec master = new SecretKeySpec(key, "HmacSHA256");
        encryptionKey = new SecretKeySpec(derive(master, "hydra chunk encryption v1"), "AES");
        idKey = new SecretKeySpec(derive(master, "hydra chunk name v1"), "HmacSHA256");
        nonceKey = new SecretKeySpec(derive(master, "hydra chunk nonce v1"), "HmacSHA256");
        idMac = ThreadLocal.withInitial(() -> mac(idKey));
        nonceMac = ThreadLocal.withInitial(() -> mac(nonceKey));
    }

    /** The chunk's stored name: HMAC-SHA256 of its plain bytes under the name key, lowercase hex. */
    String chunkId(byte[] plain) {
        return HexFormat.of().formatHex(idMac.get().doFinal(plain));
    }

    /** {@link #chunkId}'s raw bytes for {@code data[offset..offset+length)}, into {@code out} at {@code outOffset}. */
    void digest(byte[] data, int offset, int length, byte[] out, int outOffset) {
        Mac mac = idMac.get();
        mac.update(data, offset, length);
        try {
            mac.doFinal(out, outOffset);
        } catch (javax.crypto.ShortBufferException e) {
            throw new IllegalArgumentException("no room for a digest at " + outOffset, e);
        }
    }

    /** The keyed form of a whole file's SHA-256, so the manifest does not reveal it either. */
    String fileId(String sha256) {
        return HexFormat.of().formatHex(idMac.get().doFinal(("file " + sha256).getBytes(StandardCharsets.US_ASCII)));
    }

    /**
     * The sealed payload: nonce, then the ciphertext of {@code inner[0..length)} and its tag. The header and the
     * chunk's name are authenticated with it, so a record cannot be moved under another name or relabelled.
     */
    byte[] seal(byte[] inner, int length, String chunkId, byte[] header) {
        byte[] nonce = nonce(inner, length, header);
        try {
            Cipher gcm = Cipher.getInstance("AES/GCM/NoPadding");
            gcm.init(Cipher.ENCRYPT_MODE, encryptionKey, new GCMParameterSpec(TAG_BYTES * 8, nonce));
            gcm.updateAAD(header);
            gcm.updateAAD(HexFormat.of().parseHex(chunkId));
            byte[] sealed = new byte[NONCE_BYTES + length + TAG_BYTES];
            System.arraycopy(nonce, 0, sealed, 0, NONCE_BYTES);
            gcm.doFinal(inner, 0, length, sealed, NONCE_BYTES);
            return sealed;
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("AES-GCM is not usable", e);
        }
    }

    /** The synthetic IV: a keyed hash of the header and of exactly the bytes GCM is about to encrypt. */
    byte[] nonce(byte[] inner, int length, byte[] header) {
        Mac mac = nonceMac.get();
        mac.update(header);
        mac.update(inner, 0, length);
        return Arrays.copyOf(mac.doFinal(), NONCE_BYTES);
    }

    /** The inner bytes of a sealed payload; {@link AEADBadTagException} when the key is wrong or a byte changed. */
    byte[] open(byte[] data, int offset, int length, String chunkId, byte[] header) throws AEADBadTagException {
        if (length < SEAL_BYTES || !Sha256.isHex(chunkId)) {
            throw new AEADBadTagException("sealed payload of " + length + " bytes is shorter than nonce and tag");
        }
        try {
            Cipher gcm = Cipher.getInstance("AES/GCM/NoPadding");
            gcm.init(Cipher.DECRYPT_MODE, encryptionKey,
                    new GCMParameterSpec(TAG_BYTES * 8, data, offset, NONCE_BYTES));
            gcm.updateAAD(header);
            gcm.updateAAD(HexFormat.of().parseHex(chunkId));
            return gcm.doFinal(data, offset + NONCE_BYTES, length - NONCE_BYTES);
        } catch (AEADBadTagException e) {
            throw e;
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("AES-GCM is not usable", e);
        }
    }

    private static byte[] derive(SecretKeySpec master, String label) {
        return mac(master).doFinal(label.getBytes(StandardCharsets.US_ASCII));
    }

    private static Mac mac(SecretKeySpec key) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(key);
            return mac;
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("HmacSHA256 is not usable", e);
        }
    }
}
