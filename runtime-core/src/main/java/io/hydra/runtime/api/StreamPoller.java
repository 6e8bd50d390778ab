package io.hydra.runtime.api;

import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

import io.grpc.stub.ServerCallStreamObserver;
import org.jboss.logging.Logger;

/**
 * Drives every server stream whose data the daemon pulls (log files, the event outbox, an exec's pipes) from one
 * thread, whatever the number of streams: a stream is worked on only while its client can take more
 * ({@link ServerCallStreamObserver#isReady()}), parks without a thread when it cannot (its on-ready handler wakes
 * it), is polled again later when its source has nothing new, and is closed when its client cancels. So a slow
 * reader never makes the daemon buffer, and an idle follower costs no thread.
 */
final class StreamPoller {
    private static final Logger LOG = Logger.getLogger(StreamPoller.class);
    /** One poller for the daemon's streams: the Containers and Events services share it. */
    private static final StreamPoller SHARED = new StreamPoller();

    /** What a stream needs next. */
    enum Next {
        /** It spent its turn's budget and has more: run again soon, after the others. */
        MORE,
        /** Its source has nothing new: poll again after the stream's idle delay. */
        IDLE,
        /** Its client cannot take more now: wait for the call's on-ready signal. */
        BLOCKED,
        /** It has completed or failed the call itself. */
        DONE
    }

    /** One stream's source. Called only from the poller's thread, never concurrently with itself. */
    interface Pump {
        /** Sends what it can (only while the call is ready), within a bounded budget. */
        Next pump() throws Exception;

        /** Frees what the pump holds (files, processes); called once, after DONE, a failure or a cancel. */
        void close();

        /** How long to wait before polling a source that had nothing new. */
        default long idleMillis() {
            return 100;
        }
    }

    private final ScheduledExecutorService executor;
    private final AtomicInteger active = new AtomicInteger();
    private final AtomicLong sentBytes = new AtomicLong();

    private StreamPoller() {
        ScheduledThreadPoolExecutor e = new ScheduledThreadPoolExecutor(1, r -> {
            Thread t = new Thread(r, "hydra-stream-poller");
            t.setDaemon(true);
            return t;
        });
        e.setRemoveOnCancelPolicy(true);
        this.executor = e;
    }

    static StreamPoller shared() {
        return SHARED;
    }

    /** Streams open now. */
    int active() {
        return active.get();
    }

    /** Bytes of payload handed to gRPC by every stream since start. */
    long sentBytes() {
        return sentBytes.get();
    }

    /** Streams the poller does not drive (attach: its source pushes) are counted here too. */
    void opened() {
        active.incrementAndGet();
    }

    void closed() {
        active.decrementAndGet();
    }

    void countSent(long bytes) {
        sentBytes.addAndGet(bytes);
    }

    /**
     * Starts driving {@code pump} for {@code call}. Must be called from the service method itself (before it
     * returns): gRPC accepts the cancel handler only then.
     */
    <T> void start(ServerCallStreamObserver<T> call, Pump pump) {
        Follow<T> f = new Follow<>(call, pump);
        active.incrementAndGet();
        call.setOnCancelHandler(f::cancel);
        call.setOnReadyHandler(f::wake);
        f.wake();
    }

    private final class Follow<T> {
        private final ServerCallStreamObserver<T> call;
        private final Pump pump;
        /** True while a run is queued or a timer is pending: at most one of them exists. */
        private final AtomicBoolean scheduled = new AtomicBoolean();
        private final AtomicBoolean closed = new AtomicBoolean();
        private volatile boolean cancelled;

        Follow(ServerCallStreamObserver<T> call, Pump pump) {
            this.call = call;
            this.pump = pump;
        }

        void cancel() {
            cancelled = true;
            // close at once on the poller's thread, even when a timer for this stream is pending
            executor.execute(this::finish);
        }

        void wake() {
            if (scheduled.compareAndSet(false, true)) {
                executor.execute(this::run);
            }
        }

        private void run() {
            scheduled.set(false);
            if (closed.get()) {
                return;
            }
            if (cancelled) {
                finish();
                return;
            }
            Next next;
            try {
                next = pump.pump();
            } catch (Exception | Error e) {
                LOG.debugf(e, "stream failed");
                if (!cancelled) {
                    try {
                        call.onError(GrpcErrors.toStatus(e instanceof io.hydra.runtime.HydraException ? e
                                : io.hydra.runtime.HydraException.failed("stream failed: " + e.getMessage())));
                    } catch (RuntimeException ignored) {
                        // the call is already closed
                    }
                }
                next = Next.DONE;
            }
            switch (next) {
                case DONE -> finish();
                case MORE -> wake();
                case IDLE -> {
                    if (scheduled.compareAndSet(false, true)) {
                        executor.schedule(this::run, pump.idleMillis(), TimeUnit.MILLISECONDS);
                    }
                }
                case BLOCKED -> {
                    // the on-ready signal may have come between the pump's isReady() and now: look again
                    if (call.isReady() || cancelled) {
                        wake();
                    }
                }
            }
        }

        private void finish() {
            if (closed.compareAndSet(false, true)) {
                active.decrementAndGet();
                try {
                    pump.close();
                } catch (RuntimeException e) {
                    LOG.debugf(e, "closing a stream failed");
                }
            }
        }
    }
}
