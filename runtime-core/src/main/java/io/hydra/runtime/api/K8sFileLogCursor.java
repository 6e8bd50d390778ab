package io.hydra.runtime.api;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.Objects;

/**
 * Reads a conmon k8s-file log ({@code <time> <stdout|stderr> <P|F> <text>}) back into the bytes the container
 * wrote, a bounded piece per call and never blocking, so one thread can serve many followers.
 *
 * <p>It survives conmon's log size limit: at {@code --log-size-max} conmon 2.1.6 writes a fresh file and renames
 * it over the log path (a new inode; the old file is unlinked and gets no more writes), so at the end of the file
 * it holds, the cursor looks whether the path now names another file and, if so, carries on at the start of that
 * one. A file truncated in place (shorter than what was read) is read again from its start.
 */
final class K8sFileLogCursor implements AutoCloseable {
    /** The longest piece read at once; a record longer than this is passed on as it is. */
    static final int WINDOW = 256 << 10;

    interface Sink {
        void write(boolean stderr, byte[] data);
    }

    private final Path file;
    private FileChannel channel;
    private Object fileKey;
    private long position;
    private int rotations;

    K8sFileLogCursor(Path file) {
        this.file = file;
    }

    /** How often the log was replaced under the cursor (for tests and diagnostics). */
    int rotations() {
        return rotations;
    }

    /**
     * Passes the complete records of the next window of the file (at most {@link #WINDOW} bytes) to {@code sink}.
     *
     * @return the file bytes consumed; 0 when there is nothing new (yet)
     */
    int poll(Sink sink) throws IOException {
        if (channel == null && !open()) {
            return 0;
        }
        long length = channel.size();
        if (length < position) {
            position = 0; // truncated in place
        }
        if (length == position) {
            if (replaced()) {
                channel.close();
                channel = null;
                position = 0;
                rotations++;
                return open() ? poll(sink) : 0;
            }
            return 0;
        }
        ByteBuffer buffer = ByteBuffer.allocate((int) Math.min(length - position, WINDOW));
        while (buffer.hasRemaining() && channel.read(buffer, position + buffer.position()) > 0) {
            // positional reads until the window is full or the file ends
        }
        byte[] chunk = buffer.array();
        int filled = buffer.position();
        int end = lastNewline(chunk, filled);
        if (end < 0) {
            if (filled < WINDOW) {
                return 0; // a record still being written
            }
            // no newline in a whole window: not a record conmon writes; pass it on as it is
            sink.write(false, java.util.Arrays.copyOf(chunk, filled));
            position += filled;
            return filled;
        }
        int start = 0;
        for (int i = 0; i <= end; i++) {
            if (chunk[i] == '\n') {
                emit(chunk, start, i, sink);
                start = i + 1;
            }
        }
        position += end + 1;
        return end + 1;
    }

    private boolean open() throws IOException {
        try {
            channel = FileChannel.open(file, StandardOpenOption.READ);
        } catch (NoSuchFileException e) {
            return false;
        }
        fileKey = Files.readAttributes(file, BasicFileAttributes.class).fileKey();
        return true;
    }

    /** True when the log path now names a file other than the one we hold. */
    private boolean replaced() throws IOException {
        try {
            return !Objects.equals(fileKey, Files.readAttributes(file, BasicFileAttributes.class).fileKey());
        } catch (NoSuchFileException e) {
            return false; // between conmon's unlink and rename: look again next time
        }
    }

    /** One record, {@code b[from..to)} without its newline; the text is passed on byte for byte. */
    private static void emit(byte[] b, int from, int to, Sink sink) {
        int s1 = indexOf(b, (byte) ' ', from, to);
        int s2 = s1 < 0 ? -1 : indexOf(b, (byte) ' ', s1 + 1, to);
        if (s2 < 0) {
            return;
        }
        int s3 = indexOf(b, (byte) ' ', s2 + 1, to);
        String stream = new String(b, s1 + 1, s2 - s1 - 1, StandardCharsets.US_ASCII);
        int tagEnd = s3 < 0 ? to : s3;
        boolean partial = tagEnd - s2 - 1 == 1 && b[s2 + 1] == 'P';
        int textFrom = s3 < 0 ? to : s3 + 1;
        byte[] data = java.util.Arrays.copyOfRange(b, textFrom, partial ? to : to + 1);
        if (!partial) {
            data[data.length - 1] = '\n';
        }
        sink.write("stderr".equals(stream), data);
    }

    private static int indexOf(byte[] b, byte value, int from, int to) {
        for (int i = from; i < to; i++) {
            if (b[i] == value) {
                return i;
            }
        }
        return -1;
    }

    private static int lastNewline(byte[] b, int length) {
        for (int i = length - 1; i >= 0; i--) {
            if (b[i] == '\n') {
                return i;
            }
        }
        return -1;
    }

    @Override
    public void close() {
        if (channel != null) {
            try {
                channel.close();
            } catch (IOException ignored) {
                // nothing to do
            }
            channel = null;
        }
    }
}
