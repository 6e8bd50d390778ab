package io.hydra.runtime.image;

import java.io.EOFException;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.util.HexFormat;

/**
 * Passes a blob through while hashing it, and fails the read that would complete it when the bytes are not what
 * the digest and size promise: the consumer (a blob store's put, a layer unpacker) never sees the end of a bad blob,
 * so an atomic put stores nothing. More bytes than the size, or fewer (the source ends early), fail the same way.
 * The error names the blob as the caller described it.
 */
public final class VerifyingInputStream extends FilterInputStream {
    private final java.security.MessageDigest sha = Digests.sha256();
    private final String digest;
    private final long size;
    private final String what;
    private long count;
    private boolean verified;

    /**
     * @param size the expected length, or -1 when only the digest is known (the check then happens at the source's
     *             end)
     * @param what names the blob in errors: "layer sha256:... of host/repo:tag"
     */
    public VerifyingInputStream(InputStream in, String digest, long size, String what) {
        super(in);
        this.digest = digest;
        this.size = size;
        this.what = what;
    }

    @Override
    public int read() throws IOException {
        byte[] one = new byte[1];
        int n = read(one, 0, 1);
        return n < 0 ? -1 : one[0] & 0xff;
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
        if (verified) {
            return -1;
        }
        if (len == 0) {
            // readAllBytes asks for 0 bytes when its buffer is full: the probe byte past the end must not be read
            return 0;
        }
        int want = len;
        if (size >= 0) {
            // read one byte past the end to notice a source longer than promised
            want = (int) Math.min(len, size - count + 1);
            if (want <= 0) {
                want = 1;
            }
        }
        int n = in.read(b, off, want);
        if (n < 0) {
            if (size >= 0 && count < size) {
                throw new EOFException(what + " is truncated: " + count + " of " + size + " bytes arrived");
            }
            verify();
            return -1;
        }
        count += n;
        if (size >= 0 && count > size) {
            throw new IOException(what + " is longer than its descriptor's " + size + " bytes");
        }
        sha.update(b, off, n);
        if (size >= 0 && count == size) {
            verify();
        }
        return n;
    }

    private void verify() throws IOException {
        String actual = "sha256:" + HexFormat.of().formatHex(sha.digest());
        if (!actual.equals(digest)) {
            throw new IOException(what + " does not match its digest: expected " + digest + ", got " + actual);
        }
        verified = true;
    }

    @Override
    public long skip(long n) throws IOException {
        byte[] buffer = new byte[8192];
        long skipped = 0;
        while (skipped < n) {
            int r = read(buffer, 0, (int) Math.min(buffer.length, n - skipped));
            if (r < 0) {
                break;
            }
            skipped += r;
        }
        return skipped;
    }

    @Override
    public int available() throws IOException {
        return verified ? 0 : super.available();
    }

    @Override
    public boolean markSupported() {
        return false;
    }

    @Override
    public synchronized void mark(int readlimit) {
    }

    @Override
    public synchronized void reset() throws IOException {
        throw new IOException("mark/reset not supported");
    }

    /** Bytes passed through so far. */
    public long count() {
        return count;
    }
}
