package io.hydra.runtime.api;

import java.io.IOException;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;

import io.hydra.spi.monitor.LogCursor;
import io.hydra.spi.monitor.LogSink;

/**
 * {@code logs --since T --tail N} over any monitor's cursor: records written before T are skipped; with a tail,
 * the log as it is now is read through (a poll budget at a time) keeping only its last N lines, those are passed
 * on, and what is written later follows as it comes.
 */
final class LogWindow implements LogCursor {
    private record Piece(boolean stderr, byte[] data) {
    }

    private final LogCursor cursor;
    private final Instant since;
    private final int tail;
    /** The last lines seen while reading up to the end; null once they were passed on (or with no tail). */
    private ArrayDeque<List<Piece>> lines;
    private List<Piece> openLine = new ArrayList<>();

    LogWindow(LogCursor cursor, Instant since, int tail) {
        this.cursor = cursor;
        this.since = since;
        this.tail = tail;
        this.lines = tail > 0 ? new ArrayDeque<>() : null;
    }

    /** The cursor itself when there is nothing to filter. */
    static LogCursor of(LogCursor cursor, Instant since, int tail) {
        return since == null && tail <= 0 ? cursor : new LogWindow(cursor, since, tail);
    }

    @Override
    public int poll(int maxBytes, LogSink sink) throws IOException {
        if (lines == null) {
            return cursor.poll(maxBytes, filtered(sink));
        }
        int n = cursor.poll(maxBytes, filtered((stderr, data) -> keep(stderr, data)));
        if (n > 0) {
            return n;
        }
        // the end of the log as it is now: hand out its last lines, then follow
        int sent = 0;
        if (!openLine.isEmpty()) {
            lines.addLast(openLine);
            openLine = new ArrayList<>();
        }
        for (List<Piece> line : lines) {
            for (Piece p : line) {
                sink.write(p.stderr(), p.data());
                sent += p.data().length;
            }
        }
        lines = null;
        return sent;
    }

    private void keep(boolean stderr, byte[] data) {
        openLine.add(new Piece(stderr, data));
        if (data.length > 0 && data[data.length - 1] == '\n') {
            lines.addLast(openLine);
            openLine = new ArrayList<>();
            if (lines.size() > tail) {
                lines.removeFirst();
            }
        }
    }

    private LogSink filtered(LogSink next) {
        if (since == null) {
            return next;
        }
        return new LogSink() {
            @Override
            public void write(boolean stderr, byte[] data) {
                next.write(stderr, data);
            }

            @Override
            public void write(Instant time, boolean stderr, byte[] data) {
                if (time == null || !time.isBefore(since)) {
                    next.write(stderr, data);
                }
            }
        };
    }

    @Override
    public void close() {
        cursor.close();
    }
}
