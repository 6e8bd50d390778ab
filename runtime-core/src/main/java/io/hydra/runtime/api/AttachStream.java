package io.hydra.runtime.api;

import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.BiFunction;

import com.google.protobuf.ByteString;

import io.grpc.stub.ServerCallStreamObserver;
import io.grpc.stub.StreamObserver;
import io.hydra.api.v1.AttachInput;
import io.hydra.api.v1.LogChunk;
import io.hydra.spi.monitor.AttachSession;

/**
 * One {@code hydra attach}: the first message names the container, later ones carry stdin; the container's output
 * flows back until it exits. Output is pushed by the monitor's session (on its own reader thread, which lives as
 * long as the session): while the client cannot take more, that thread waits, so the monitor's socket fills and
 * nothing piles up in the daemon. A client that goes away closes the session, which ends that thread.
 */
final class AttachStream implements StreamObserver<AttachInput> {
    /** How long the session's thread waits for readiness before looking whether the call is still there. */
    private static final long READY_CHECK_MILLIS = 500;

    private final ServerCallStreamObserver<LogChunk> call;
    private final BiFunction<String, AttachSession.Listener, AttachSession> connect;
    private final StreamPoller counters;
    private final Object lock = new Object();
    private final AtomicBoolean counted = new AtomicBoolean();
    private volatile AttachSession session;
    private boolean finished;
    private volatile boolean cancelled;

    AttachStream(ServerCallStreamObserver<LogChunk> call,
                 BiFunction<String, AttachSession.Listener, AttachSession> connect, StreamPoller counters) {
        this.call = call;
        this.connect = connect;
        this.counters = counters;
    }

    private final AttachSession.Listener listener = new AttachSession.Listener() {
        @Override
        public void output(boolean stderr, byte[] data) {
            synchronized (lock) {
                while (!finished && !cancelled && !call.isReady()) {
                    try {
                        lock.wait(READY_CHECK_MILLIS);
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                        return;
                    }
                }
                if (!finished && !cancelled) {
                    send(stderr, data);
                }
            }
        }

        @Override
        public void closed() {
            synchronized (lock) {
                if (!finished && !cancelled) {
                    finished = true;
                    call.onCompleted();
                }
            }
            release();
        }
    };

    private void send(boolean stderr, byte[] data) {
        call.onNext(LogChunk.newBuilder().setStream(stderr ? LogChunk.Stream.STDERR : LogChunk.Stream.STDOUT)
                .setData(ByteString.copyFrom(data)).build());
        counters.countSent(data.length);
    }

    void ready() {
        synchronized (lock) {
            lock.notifyAll();
        }
    }

    void cancelled() {
        cancelled = true;
        ready();
        AttachSession s = session;
        if (s != null) {
            s.close();
        }
        release();
    }

    private void release() {
        if (counted.compareAndSet(true, false)) {
            counters.closed();
        }
    }

    @Override
    public void onNext(AttachInput in) {
        try {
            if (session == null) {
                if (counted.compareAndSet(false, true)) {
                    counters.opened();
                }
                session = connect.apply(in.getName(), listener);
                if (cancelled) {
                    session.close();
                    return;
                }
                // an empty first message tells the client it is attached (and may now start the container); it
                // is sent without waiting for readiness: this thread is the one that would deliver the signal
                synchronized (lock) {
                    if (!finished) {
                        send(false, new byte[0]);
                    }
                }
            }
            if (!in.getStdin().isEmpty()) {
                session.writeStdin(in.getStdin().toByteArray());
            }
            if (in.getCloseStdin()) {
                session.closeStdin();
            }
        } catch (RuntimeException e) {
            synchronized (lock) {
                if (!finished) {
                    finished = true;
                    call.onError(GrpcErrors.toStatus(e));
                }
            }
            if (session != null) {
                session.close();
            }
            release();
        }
    }

    @Override
    public void onError(Throwable t) {
        cancelled();
    }

    @Override
    public void onCompleted() {
        // the client has nothing more to send; its output keeps flowing until the container exits
    }
}
