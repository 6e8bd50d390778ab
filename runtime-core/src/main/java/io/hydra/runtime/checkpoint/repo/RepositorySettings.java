package io.hydra.runtime.checkpoint.repo;

import java.time.Duration;
import java.util.Objects;
import java.util.Optional;

/**
 * How a {@link CheckpointRepository} works.
 *
 * @param macKey           when present, every manifest written carries an HMAC-SHA256 under this key and a manifest
 *                         read back without a valid one is refused; at least 16 bytes
 * @param parallelism      threads hashing and compressing chunks; pack uploads and restore fetches use twice as many,
 *                         since they mostly wait on storage
 * @param packTargetBytes  a pack is sealed and uploaded once it holds this many bytes (chunks are never split)
 * @param gcGrace          garbage collection leaves unreferenced packs younger than this, because another process may
 *                         be uploading them for a manifest it has not committed yet
 * @param maxInFlightBytes bound on the data bytes one upload or one restore holds in memory: on upload, chunks
 *                         waiting for hashing and compression, records in the pack being filled and in packs being
 *                         uploaded (add the unused part of the open pack's buffer, under {@code packTargetBytes});
 *                         on restore, fetched and decoded chunks not yet written. At least
 *                         {@code packTargetBytes + 4 * 256 KiB}, so a pack can always be filled
 * @param encryptionKey    when present (exactly 32 bytes), chunks are stored AES-256-GCM encrypted and named by a
 *                         keyed hash (see {@link ChunkCipher}); a repository with a key refuses unencrypted chunks
 * @param pageImages       CRIU page images are stored page by page, deduplicated against the parent version
 *                         ({@link PageImageUpload}); when false they are content-defined chunks like every other file
 *                         (for comparison: restore reads both)
 */
public record RepositorySettings(Optional<byte[]> macKey, int parallelism, long packTargetBytes, Duration gcGrace,
                                 long maxInFlightBytes, Optional<byte[]> encryptionKey, boolean pageImages) {
    public static final int MIN_MAC_KEY_BYTES = 16;
    public static final long MIN_PACK_TARGET_BYTES = 64 * 1024;
    public static final long DEFAULT_PACK_TARGET_BYTES = 16L * 1024 * 1024;
    public static final long DEFAULT_MAX_IN_FLIGHT_BYTES = 64L * 1024 * 1024;

    public RepositorySettings {
        Objects.requireNonNull(macKey, "macKey");
        Objects.requireNonNull(gcGrace, "gcGrace");
        if (macKey.isPresent() && macKey.get().length < MIN_MAC_KEY_BYTES) {
            throw new IllegalArgumentException("the manifest MAC key has " + macKey.get().length
                    + " bytes; at least " + MIN_MAC_KEY_BYTES + " are required");
        }
        Objects.requireNonNull(encryptionKey, "encryptionKey");
        if (encryptionKey.isPresent() && encryptionKey.get().length != ChunkCipher.KEY_BYTES) {
            throw new IllegalArgumentException("the chunk encryption key has " + encryptionKey.get().length
                    + " bytes; AES-256 needs exactly " + ChunkCipher.KEY_BYTES);
        }
        // Copies, so the caller cannot change a key under a running repository.
        macKey = macKey.map(byte[]::clone);
        encryptionKey = encryptionKey.map(byte[]::clone);
        if (parallelism < 1 || parallelism > 256) {
            throw new IllegalArgumentException("parallelism " + parallelism + " is out of range 1..256");
        }
        if (packTargetBytes < MIN_PACK_TARGET_BYTES || packTargetBytes > Integer.MAX_VALUE / 2) {
            throw new IllegalArgumentException("packTargetBytes " + packTargetBytes + " is out of range "
                    + MIN_PACK_TARGET_BYTES + ".." + Integer.MAX_VALUE / 2);
        }
        if (gcGrace.isNegative()) {
            throw new IllegalArgumentException("gcGrace " + gcGrace + " is negative");
        }
        long minimum = minInFlightBytes(packTargetBytes);
        if (maxInFlightBytes < minimum) {
            throw new IllegalArgumentException("maxInFlightBytes " + maxInFlightBytes + " is below " + minimum
                    + " (packTargetBytes + 4 maximal chunk records)");
        }
    }

    /** Page images stored by page. */
    public RepositorySettings(Optional<byte[]> macKey, int parallelism, long packTargetBytes, Duration gcGrace,
                              long maxInFlightBytes, Optional<byte[]> encryptionKey) {
        this(macKey, parallelism, packTargetBytes, gcGrace, maxInFlightBytes, encryptionKey, true);
    }

    /** Without encryption. */
    public RepositorySettings(Optional<byte[]> macKey, int parallelism, long packTargetBytes, Duration gcGrace,
                              long maxInFlightBytes) {
        this(macKey, parallelism, packTargetBytes, gcGrace, maxInFlightBytes, Optional.empty());
    }

    /** Defaults: no MAC, no encryption, 2 threads, 16 MiB packs, 1 h grace, 64 MiB in flight. */
    public static RepositorySettings defaults() {
        return new RepositorySettings(Optional.empty(), 2, DEFAULT_PACK_TARGET_BYTES, Duration.ofHours(1),
                DEFAULT_MAX_IN_FLIGHT_BYTES);
    }

    static long minInFlightBytes(long packTargetBytes) {
        return packTargetBytes + 4L * ChunkCodec.MAX_RECORD_BYTES;
    }

    @Override
    public Optional<byte[]> macKey() {
        return macKey.map(byte[]::clone);
    }

    @Override
    public Optional<byte[]> encryptionKey() {
        return encryptionKey.map(byte[]::clone);
    }

    public RepositorySettings withEncryptionKey(byte[] key) {
        return new RepositorySettings(macKey, parallelism, packTargetBytes, gcGrace, maxInFlightBytes,
                Optional.of(key), pageImages);
    }

    public RepositorySettings withMacKey(byte[] key) {
        return new RepositorySettings(Optional.of(key), parallelism, packTargetBytes, gcGrace, maxInFlightBytes,
                encryptionKey, pageImages);
    }

    public RepositorySettings withParallelism(int threads) {
        return new RepositorySettings(macKey, threads, packTargetBytes, gcGrace, maxInFlightBytes, encryptionKey,
                pageImages);
    }

    /** Also raises maxInFlightBytes when it would fall below what a pack of the new size needs. */
    public RepositorySettings withPackTargetBytes(long bytes) {
        return new RepositorySettings(macKey, parallelism, bytes, gcGrace,
                Math.max(maxInFlightBytes, minInFlightBytes(bytes)), encryptionKey, pageImages);
    }

    public RepositorySettings withGcGrace(Duration grace) {
        return new RepositorySettings(macKey, parallelism, packTargetBytes, grace, maxInFlightBytes, encryptionKey,
                pageImages);
    }

    public RepositorySettings withMaxInFlightBytes(long bytes) {
        return new RepositorySettings(macKey, parallelism, packTargetBytes, gcGrace, bytes, encryptionKey,
                pageImages);
    }

    public RepositorySettings withPageImages(boolean byPage) {
        return new RepositorySettings(macKey, parallelism, packTargetBytes, gcGrace, maxInFlightBytes, encryptionKey,
                byPage);
    }

    /** Never prints the key. */
    @Override
    public String toString() {
        return "RepositorySettings[macKey=" + (macKey.isPresent() ? "set" : "none") + ", parallelism=" + parallelism
                + ", packTargetBytes=" + packTargetBytes + ", gcGrace=" + gcGrace + ", maxInFlightBytes="
                + maxInFlightBytes + ", encryption=" + (encryptionKey.isPresent() ? "aes-256-gcm" : "none") + ", pageImages="
                + pageImages + "]";
    }
}
