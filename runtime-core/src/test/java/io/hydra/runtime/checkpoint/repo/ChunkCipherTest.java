package io.hydra.runtime.checkpoint.repo;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Arrays;
import java.util.Optional;
import java.util.SplittableRandom;

import org.junit.jupiter.api.Test;

/** Chunk records sealed with AES-256-GCM: deterministic for dedup, authenticated, and named by a keyed hash. */
class ChunkCipherTest {
    private static final byte[] KEY = "an-aes-256-key-of-32-bytes-long!".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] OTHER_KEY = "another-aes-256-key-of-32-bytes!".getBytes(StandardCharsets.US_ASCII);
    private static final String SECRET = "hydra-test-secret-7f3a9c";

    private static ChunkCodec codec(byte[] key) {
        return ChunkCodec.of(settings(key));
    }

    private static RepositorySettings settings(byte[] key) {
        return new RepositorySettings(Optional.empty(), 1, RepositorySettings.DEFAULT_PACK_TARGET_BYTES,
                Duration.ZERO, RepositorySettings.DEFAULT_MAX_IN_FLIGHT_BYTES, Optional.of(key));
    }

    private static byte[] withSecret(int length) {
        byte[] data = new byte[length];
        byte[] secret = SECRET.getBytes(StandardCharsets.US_ASCII);
        for (int at = 0; at + secret.length <= length; at += 4096) {
            System.arraycopy(secret, 0, data, at, secret.length);
        }
        return data;
    }

    private static boolean contains(byte[] haystack, byte[] needle) {
        outer:
        for (int i = 0; i + needle.length <= haystack.length; i++) {
            for (int j = 0; j < needle.length; j++) {
                if (haystack[i + j] != needle[j]) {
                    continue outer;
                }
            }
            return true;
        }
        return false;
    }

    private static ChunkRef ref(String id, byte[] plain, byte[] record) {
        return new ChunkRef(id, plain.length, "p", 0, record.length);
    }

    @Test
    void aSealedRecordComesBackIdenticalAndShowsNoPlaintext() throws Exception {
        ChunkCodec codec = codec(KEY);
        byte[] plain = withSecret(64 * 1024);
        String id = codec.chunkId(plain);
        byte[] record = codec.record(plain, id);
        assertEquals(3, record[5], "sealed LZ4 encoding");
        assertFalse(contains(record, SECRET.getBytes(StandardCharsets.US_ASCII)), "the secret is not readable");
        assertTrue(contains(ChunkCodec.encode(plain), SECRET.getBytes(StandardCharsets.US_ASCII)),
                "(the check can fail: without encryption the secret is in the record)");
        assertArrayEquals(plain, codec.plain(record, 0, ref(id, plain, record), false));
    }

    @Test
    void incompressibleChunksAreSealedRaw() throws Exception {
        ChunkCodec codec = codec(KEY);
        byte[] plain = new byte[64 * 1024];
        new SplittableRandom(3).nextBytes(plain);
        String id = codec.chunkId(plain);
        byte[] record = codec.record(plain, id);
        assertEquals(2, record[5], "sealed raw encoding");
        assertEquals(ChunkCodec.HEADER_BYTES + ChunkCipher.SEAL_BYTES + plain.length, record.length);
        assertTrue(record.length <= ChunkCodec.MAX_OVERHEAD_BYTES + plain.length);
        assertArrayEquals(plain, codec.plain(record, 0, ref(id, plain, record), false));
    }

    @Test
    void equalChunksSealToEqualRecordsSoDedupWorksAndDifferentOnesDoNot() {
        ChunkCodec codec = codec(KEY);
        byte[] a = withSecret(8192);
        byte[] b = a.clone();
        b[100] ^= 1;
        assertArrayEquals(codec.record(a, codec.chunkId(a)), codec(KEY).record(a.clone(), null),
                "deterministic: the same plaintext under the same key is the same record");
        byte[] ra = codec.record(a, null);
        byte[] rb = codec.record(b, null);
        assertNotEquals(codec.chunkId(a), codec.chunkId(b));
        byte[] nonceA = Arrays.copyOfRange(ra, ChunkCodec.HEADER_BYTES, ChunkCodec.HEADER_BYTES + 12);
        byte[] nonceB = Arrays.copyOfRange(rb, ChunkCodec.HEADER_BYTES, ChunkCodec.HEADER_BYTES + 12);
        assertFalse(Arrays.equals(nonceA, nonceB), "different plaintexts never share a nonce");
    }

    @Test
    void twoEncodingsOfOneChunkNeverShareANonce() throws Exception {
        // what two LZ4 versions may do: one chunk (one name, one header) compressed into different bytes
        ChunkCipher cipher = new ChunkCipher(KEY);
        byte[] plain = withSecret(16 * 1024);
        String id = cipher.chunkId(plain);
        byte[] header = new byte[ChunkCodec.HEADER_BYTES];
        byte[] oneEncoding = withSecret(512);
        byte[] otherEncoding = oneEncoding.clone();
        otherEncoding[100] ^= 1;
        byte[] a = cipher.seal(oneEncoding, oneEncoding.length, id, header);
        byte[] b = cipher.seal(otherEncoding, otherEncoding.length, id, header);
        assertFalse(Arrays.equals(Arrays.copyOf(a, ChunkCipher.NONCE_BYTES), Arrays.copyOf(b, ChunkCipher.NONCE_BYTES)),
                "one nonce must never encrypt two different messages");
        assertArrayEquals(oneEncoding, cipher.open(a, 0, a.length, id, header));
        assertArrayEquals(otherEncoding, cipher.open(b, 0, b.length, id, header));
        assertArrayEquals(a, cipher.seal(oneEncoding, oneEncoding.length, id, header), "the same bytes, the same record");
    }

    @Test
    void theNameIsAKeyedHashNotTheSha256() {
        byte[] plain = withSecret(4096);
        String id = codec(KEY).chunkId(plain);
        assertTrue(Sha256.isHex(id), "still 64 lowercase hex digits: manifests accept it");
        assertNotEquals(Sha256.hex(plain), id, "the name does not reveal the plaintext's SHA-256");
        assertNotEquals(codec(OTHER_KEY).chunkId(plain), id, "it depends on the key");
        assertNotEquals(Sha256.hex(plain), codec(KEY).fileId(Sha256.hex(plain)), "file hashes are keyed too");
        assertEquals(Sha256.hex(plain), ChunkCodec.PLAIN.chunkId(plain), "without a key: SHA-256, as before");
    }

    @Test
    void aChangedByteAWrongKeyOrAMovedRecordIsCorruptionNamed() {
        ChunkCodec codec = codec(KEY);
        byte[] plain = withSecret(64 * 1024);
        String id = codec.chunkId(plain);
        byte[] record = codec.record(plain, id);

        byte[] flipped = record.clone();
        flipped[record.length / 2] ^= 0x01;
        ChunkCodec.ChunkDefect changed = assertThrows(ChunkCodec.ChunkDefect.class,
                () -> codec.plain(flipped, 0, ref(id, plain, flipped), false));
        assertTrue(changed.getMessage().contains("does not decrypt"), changed.getMessage());

        ChunkCodec.ChunkDefect wrongKey = assertThrows(ChunkCodec.ChunkDefect.class,
                () -> codec(OTHER_KEY).plain(record, 0, ref(id, plain, record), false));
        assertTrue(wrongKey.getMessage().contains("another encryption key"), wrongKey.getMessage());

        byte[] other = withSecret(32 * 1024);
        String otherId = codec.chunkId(other);
        ChunkCodec.ChunkDefect moved = assertThrows(ChunkCodec.ChunkDefect.class,
                () -> codec.plain(record, 0, new ChunkRef(otherId, plain.length, "p", 0, record.length), false));
        assertTrue(moved.getMessage().contains("does not decrypt"), "the name is authenticated: " + moved.getMessage());
    }

    @Test
    void aCodecWithAKeyRefusesPlainRecordsAndOneWithoutRefusesSealedOnes() {
        byte[] plain = withSecret(16 * 1024);
        byte[] plainRecord = ChunkCodec.encode(plain);
        ChunkCodec.ChunkDefect notSealed = assertThrows(ChunkCodec.ChunkDefect.class,
                () -> codec(KEY).plain(plainRecord, 0, ref(Sha256.hex(plain), plain, plainRecord), false));
        assertTrue(notSealed.getMessage().contains("is not encrypted"), notSealed.getMessage());
        assertTrue(notSealed.getMessage().contains("no verified MAC"), notSealed.getMessage());

        String id = codec(KEY).chunkId(plain);
        byte[] sealed = codec(KEY).record(plain, id);
        ChunkCodec.ChunkDefect noKey = assertThrows(ChunkCodec.ChunkDefect.class,
                () -> ChunkCodec.decode(sealed, 0, ref(id, plain, sealed)));
        assertTrue(noKey.getMessage().contains("no hydra.checkpoint.encryption-key"), noKey.getMessage());
    }

    @Test
    void aPlainRecordOfAnAuthenticatedManifestIsAcceptedAfterEncryptionIsSwitchedOn() throws Exception {
        // written before the key was set: named by SHA-256, stored plain, its manifest's MAC verified
        byte[] plain = withSecret(16 * 1024);
        byte[] plainRecord = ChunkCodec.encode(plain);
        assertArrayEquals(plain, codec(KEY).plain(plainRecord, 0, ref(Sha256.hex(plain), plain, plainRecord), true));
        byte[] changed = plainRecord.clone();
        changed[changed.length - 1] ^= 1;
        ChunkCodec.ChunkDefect corrupt = assertThrows(ChunkCodec.ChunkDefect.class,
                () -> codec(KEY).plain(changed, 0, ref(Sha256.hex(plain), plain, changed), true));
        assertTrue(corrupt.getMessage().contains("corrupt") || corrupt.getMessage().contains("LZ4"),
                corrupt.getMessage());
    }

    @Test
    void aKeyOfTheWrongSizeIsRefused() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> settings("too-short".getBytes(StandardCharsets.US_ASCII)));
        assertTrue(e.getMessage().contains("exactly 32"), e.getMessage());
    }
}
