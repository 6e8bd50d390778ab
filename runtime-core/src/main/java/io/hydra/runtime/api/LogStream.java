package io.hydra.runtime.api;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.util.function.BooleanSupplier;

import com.google.protobuf.ByteString;

import io.grpc.stub.ServerCallStreamObserver;
import io.hydra.api.v1.LogChunk;
import io.hydra.spi.monitor.LogCursor;

/**
 * {@code hydra logs [-f]} as a {@link StreamPoller.Pump}: reads the log a window at a time while the client can
 * take more, so at most one window (plus gRPC's own small buffer) is in flight whatever the client's pace.
 */
final class LogStream implements StreamPoller.Pump {
    /** File bytes read per turn before yielding to the other streams. */
    private static final int TURN_BUDGET = 1 << 20;
    /** File bytes asked of the cursor at once: what may be in flight beyond gRPC's own buffer. */
    private static final int POLL_BUDGET = 256 << 10;
    /** Consecutive records of one stream are sent as one message of at most this size. */
    private static final int MESSAGE_BYTES = 64 << 10;

    private final ServerCallStreamObserver<LogChunk> call;
    private final LogCursor cursor;
    private final boolean follow;
    private final BooleanSupplier live;
    private final StreamPoller poller;
    private final ByteArrayOutputStream pending = new ByteArrayOutputStream();
    private boolean pendingStderr;

    LogStream(ServerCallStreamObserver<LogChunk> call, LogCursor cursor, boolean follow, BooleanSupplier live,
              StreamPoller poller) {
        this.call = call;
        this.cursor = cursor;
        this.follow = follow;
        this.live = live;
        this.poller = poller;
    }

    @Override
    public StreamPoller.Next pump() throws IOException {
        int consumed = 0;
        while (consumed < TURN_BUDGET) {
            if (!call.isReady()) {
                return StreamPoller.Next.BLOCKED;
            }
            int n = read();
            if (n == 0) {
                if (follow && live.getAsBoolean()) {
                    return StreamPoller.Next.IDLE;
                }
                // the container has stopped (or we do not follow): what is in the file now is all there will be
                n = read();
                if (n == 0) {
                    call.onCompleted();
                    return StreamPoller.Next.DONE;
                }
            }
            consumed += n;
        }
        return StreamPoller.Next.MORE;
    }

    private int read() throws IOException {
        int n = cursor.poll(POLL_BUDGET, this::collect);
        flush();
        return n;
    }

    private void collect(boolean stderr, byte[] data) {
        if (pending.size() > 0 && (stderr != pendingStderr || pending.size() + data.length > MESSAGE_BYTES)) {
            flush();
        }
        pendingStderr = stderr;
        pending.write(data, 0, data.length);
    }

    private void flush() {
        if (pending.size() == 0) {
            return;
        }
        call.onNext(LogChunk.newBuilder().setStream(pendingStderr ? LogChunk.Stream.STDERR : LogChunk.Stream.STDOUT)
                .setData(ByteString.copyFrom(pending.toByteArray())).build());
        poller.countSent(pending.size());
        pending.reset();
    }

    @Override
    public void close() {
        cursor.close();
    }
}
