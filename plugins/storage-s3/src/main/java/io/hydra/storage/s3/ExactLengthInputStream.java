package io.hydra.storage.s3;

import java.io.EOFException;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;

/**
 * Passes on exactly {@code length} bytes and fails when the source has fewer or more. minio-java would otherwise
 * upload a short stream's error as a failed part but silently drop a longer stream's excess. The failure is kept, so
 * the store reports it rather than the client library's wrapping of it.
 */
final class ExactLengthInputStream extends FilterInputStream {
    private final long length;
    private final String blobName;
    private long position;
    private boolean endChecked;
    private IOException failure;

    ExactLengthInputStream(InputStream source, long length, String blobName) {
        super(source);
        this.length = length;
        this.blobName = blobName;
    }

    /** The error this stream raised, if any: the caller's stream was wrong, whatever the upload said. */
    IOException failure() {
        return failure;
    }

    @Override
    public int read() throws IOException {
        byte[] one = new byte[1];
        int n = read(one, 0, 1);
        return n <= 0 ? -1 : one[0] & 0xff;
    }

    @Override
    public int read(byte[] buffer, int offset, int count) throws IOException {
        if (failure != null) {
            throw failure;
        }
        if (count == 0) {
            return 0;
        }
        if (position >= length) {
            checkEnd();
            return -1;
        }
        int n;
        try {
            n = in.read(buffer, offset, (int) Math.min(count, length - position));
        } catch (IOException e) {
            throw fail(e);
        }
        if (n < 0) {
            throw fail(new EOFException("blob '" + blobName + "': the stream ended after " + position + " of "
                    + length + " bytes"));
        }
        position += n;
        if (position == length) {
            // check now: a consumer that stops at length would never see the excess
            checkEnd();
        }
        return n;
    }

    @Override
    public long skip(long n) throws IOException {
        throw new IOException("skip is not supported: every byte must be counted");
    }

    @Override
    public int available() throws IOException {
        return (int) Math.min(super.available(), length - position);
    }

    @Override
    public boolean markSupported() {
        return false;
    }

    private void checkEnd() throws IOException {
        if (endChecked) {
            return;
        }
        endChecked = true;
        int next;
        try {
            next = in.read();
        } catch (IOException e) {
            throw fail(e);
        }
        if (next >= 0) {
            throw fail(new IOException("blob '" + blobName + "': the stream has more than " + length + " bytes"));
        }
    }

    private IOException fail(IOException e) {
        failure = e;
        return e;
    }
}
