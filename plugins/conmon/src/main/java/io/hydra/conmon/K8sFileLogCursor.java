package io.hydra.conmon;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.Objects;

import io.hydra.spi.monitor.LogCursor;
import io.hydra.spi.monitor.LogSink;

/**
 * Reads a conmon k8s-file log ({@code <time> <stdout|stderr> <P|F> <text>}) back into the bytes the container
 * wrote, a bounded piece per call and never blocking, so one thread can serve many followers.
 *
 * <p>It survives conmon's log size limit: at {@code --log-size-max} conmon 2.1.6 writes a fresh file and renames
 * it over the log path (a new inode; the old file is unlinked and gets no more writes), so at the end of the file
 * it holds, the cursor looks whether the path now names another file and, if so, carries on at the start of that
 * one. A file truncated in place (shorter than what was read) is read again from its start.
 */
final class K8sFileLogCursor implements LogCursor {
    /** The longest piece read at once, whatever the budget; a record longer than this is passed on as it is. */
    static final int WINDOW = 256 << 10;

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
     * Passes the complete records of the next {@code maxBytes} of the file (at most {@link #WINDOW}) to
     * {@code sink}; a record longer than the budget is read whole, up to {@link #WINDOW}.
     *
     * @return the file bytes consumed; 0 when there is nothing new (yet)
     */
    @Override
    public int poll(int maxBytes, LogSink sink) throws IOException {
        if (maxBytes <= 0) {
            throw new IllegalArgumentException("a log poll needs a positive byte budget, not " + maxBytes);
        }
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
                return open() ? poll(maxBytes, sink) : 0;
            }
            return 0;
        }
        int window = Math.min(maxBytes, WINDOW);
        byte[] chunk = read(Math.min(length - position, window));
        int end = lastNewline(chunk, chunk.length);
        if (end < 0 && chunk.length == window && window < WINDOW) {
            // one record longer than the budget: read it whole rather than never making progress
            chunk = read(Math.min(length - position, WINDOW));
            end = indexOf(chunk, (byte) '\n', 0, chunk.length);
        }
        if (end < 0) {
            if (chunk.length < WINDOW) {
                return 0; // a record still being written
            }
            // no newline in a whole window: not a record conmon writes; pass it on as it is
            sink.write(false, chunk);
            position += chunk.length;
            return chunk.length;
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

    /** Up to {@code size} bytes from the current position (fewer if the file ends sooner). */
    private byte[] read(long size) throws IOException {
        ByteBuffer buffer = ByteBuffer.allocate((int) size);
        while (buffer.hasRemaining() && channel.read(buffer, position + buffer.position()) > 0) {
            // positional reads until the window is full or the file ends
        }
        return buffer.position() == buffer.capacity() ? buffer.array()
                : java.util.Arrays.copyOf(buffer.array(), buffer.position());
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
    private static void emit(byte[] b, int from, int to, LogSink sink) {
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
        sink.write(time(b, from, s1), "stderr".equals(stream), data);
    }

    /** The record's RFC 3339 timestamp, or null when it is not one. */
    private static Instant time(byte[] b, int from, int to) {
        try {
            return OffsetDateTime.parse(new String(b, from, to - from, StandardCharsets.US_ASCII),
                    DateTimeFormatter.ISO_OFFSET_DATE_TIME).toInstant();
        } catch (DateTimeParseException e) {
            return null;
        }
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
