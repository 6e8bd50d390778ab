package io.hydra.runtime.image.layer;

import io.hydra.runtime.HydraException;
import io.hydra.runtime.image.Digests;
import io.hydra.runtime.image.LayerDescriptor;
import org.apache.commons.compress.compressors.gzip.GzipCompressorInputStream;
import org.apache.commons.compress.compressors.zstandard.ZstdCompressorInputStream;

import java.io.BufferedInputStream;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.security.MessageDigest;

/**
 * A layer blob opened as its uncompressed tar, with both digests computed while the bytes stream through: the
 * blob's digest over the stored (compressed) bytes, bounded by the size the manifest declares, and the diffId over
 * the tar. {@link #finish} reads both streams to their ends and checks them, so a blob that is longer, shorter or
 * other than declared, or a compressed stream that ends early, is refused.
 */
final class LayerBlobStream implements AutoCloseable {
    enum Compression { NONE, GZIP, ZSTD }

    private final String what;
    private final LayerDescriptor layer;
    private final Measured blob;
    private final Measured tar;
    private final InputStream decompressed;

    LayerBlobStream(InputStream rawBlob, LayerDescriptor layer, String what) throws IOException {
        this.what = what;
        this.layer = layer;
        Digests.hexOf(layer.digest(), what + ": layer digest");
        Digests.hexOf(layer.diffId(), what + ": diffId");
        this.blob = new Measured(rawBlob, Digests.sha256(), layer.size() > 0 ? layer.size() : Long.MAX_VALUE);
        BufferedInputStream buffered = new BufferedInputStream(blob, 64 * 1024);
        Compression compression = compression(layer.mediaType(), sniff(buffered), what);
        this.decompressed = switch (compression) {
            case NONE -> buffered;
            case GZIP -> new GzipCompressorInputStream(buffered, true);
            case ZSTD -> new ZstdCompressorInputStream(buffered);
        };
        this.tar = new Measured(decompressed, Digests.sha256(), Long.MAX_VALUE);
    }

    /** The uncompressed tar; its end must be reached through {@link #finish}. */
    InputStream tar() {
        return tar;
    }

    /** Drains what the tar reader left (end-of-archive padding), then the blob, and checks sizes and digests. */
    void finish() throws IOException {
        tar.transferTo(OutputStream.nullOutputStream());
        blob.transferTo(OutputStream.nullOutputStream());
        if (layer.size() > 0 && blob.count != layer.size()) {
            throw HydraException.invalid(what + ": the blob has " + blob.count + " bytes, the manifest says "
                    + layer.size() + " (truncated)");
        }
        String digest = Digests.of(blob.digest);
        if (!digest.equals(layer.digest())) {
            throw HydraException.invalid(what + ": the blob's digest is " + digest + ", not " + layer.digest());
        }
        String diffId = Digests.of(tar.digest);
        if (!diffId.equals(layer.diffId())) {
            throw HydraException.invalid(what + ": the uncompressed layer's digest is " + diffId
                    + ", not the diffId " + layer.diffId() + " the image config lists");
        }
    }

    @Override
    public void close() throws IOException {
        decompressed.close();
    }

    static Compression compression(String mediaType, Compression sniffed, String what) {
        Compression declared = declared(mediaType);
        if (declared == null) {
            if (mediaType != null && !mediaType.isEmpty()) {
                throw HydraException.invalid(what + ": unsupported layer media type " + mediaType);
            }
            return sniffed;
        }
        if (declared != sniffed) {
            throw HydraException.invalid(what + ": media type " + mediaType + " says " + declared.name().toLowerCase()
                    + " but the blob starts like " + (sniffed == Compression.NONE ? "an uncompressed tar" : sniffed.name().toLowerCase()));
        }
        return declared;
    }

    private static Compression declared(String mediaType) {
        if (mediaType == null) {
            return null;
        }
        if (mediaType.endsWith("+gzip") || mediaType.endsWith(".tar.gzip")) {
            return Compression.GZIP;
        }
        if (mediaType.endsWith("+zstd") || mediaType.endsWith(".tar.zstd")) {
            return Compression.ZSTD;
        }
        if (mediaType.endsWith(".tar") || mediaType.endsWith("v1.tar")) {
            return Compression.NONE;
        }
        return null;
    }

    private static Compression sniff(BufferedInputStream in) throws IOException {
        in.mark(4);
        byte[] magic = in.readNBytes(4);
        in.reset();
        if (magic.length >= 2 && (magic[0] & 0xff) == 0x1f && (magic[1] & 0xff) == 0x8b) {
            return Compression.GZIP;
        }
        if (magic.length == 4 && (magic[0] & 0xff) == 0x28 && (magic[1] & 0xff) == 0xb5 && (magic[2] & 0xff) == 0x2f
                && (magic[3] & 0xff) == 0xfd) {
            return Compression.ZSTD;
        }
        return Compression.NONE;
    }

    /** Counts and digests what is read through it; refuses to read past {@code limit} bytes. */
    private final class Measured extends FilterInputStream {
        final MessageDigest digest;
        final long limit;
        long count;

        Measured(InputStream in, MessageDigest digest, long limit) {
            super(in);
            this.digest = digest;
            this.limit = limit;
        }

        @Override
        public int read() throws IOException {
            byte[] one = new byte[1];
            return read(one, 0, 1) < 0 ? -1 : one[0] & 0xff;
        }

        @Override
        public int read(byte[] buffer, int offset, int length) throws IOException {
            int n = super.read(buffer, offset, length);
            if (n > 0) {
                count += n;
                if (count > limit) {
                    throw HydraException.invalid(what + ": the blob is longer than the " + limit
                            + " bytes the manifest says");
                }
                digest.update(buffer, offset, n);
            }
            return n;
        }

        @Override
        public long skip(long n) throws IOException {
            // read, never skip: skipped bytes must be digested too
            byte[] buffer = new byte[(int) Math.min(n, 8192)];
            long skipped = 0;
            while (skipped < n) {
                int read = read(buffer, 0, (int) Math.min(buffer.length, n - skipped));
                if (read < 0) {
                    break;
                }
                skipped += read;
            }
            return skipped;
        }

        @Override
        public boolean markSupported() {
            return false;
        }
    }
}
