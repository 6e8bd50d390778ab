package io.hydra.cli.containers;

import java.io.IOException;
import java.io.InputStream;
import java.util.concurrent.CountDownLatch;
import java.util.function.Consumer;

import com.google.protobuf.ByteString;

import io.grpc.stub.StreamObserver;
import io.hydra.api.v1.AttachInput;
import io.hydra.api.v1.LogChunk;
import io.hydra.cli.DaemonConnection;

/** One attach session to a container's stdio, for {@code run -i} and {@code attach}. */
final class Attachment {
    private Attachment() {
    }

    /**
     * Attaches to the container's stdio, runs {@code onAttached} once attached (to start it), copies {@code stdin} to
     * it unless that is null, and returns when the container's output ends.
     */
    static void run(DaemonConnection c, String container, InputStream stdin, Consumer<LogChunk> output,
            Runnable onAttached) throws Exception {
        run(c, container, stdin, output, onAttached, false);
    }

    /**
     * As above; with {@code detachKeys}, ctrl-p ctrl-q in {@code stdin} ends the session without closing the
     * container's stdin (docker's detach keys), and this returns true. A lone ctrl-p is held until the next byte
     * says it was not the start of the sequence.
     */
    static boolean run(DaemonConnection c, String container, InputStream stdin, Consumer<LogChunk> output,
            Runnable onAttached, boolean detachKeys) throws Exception {
        java.util.concurrent.atomic.AtomicBoolean detached = new java.util.concurrent.atomic.AtomicBoolean();
        CountDownLatch attached = new CountDownLatch(1);
        CountDownLatch done = new CountDownLatch(1);
        Throwable[] failure = new Throwable[1];
        StreamObserver<AttachInput> requests = c.containersAsync().attach(new StreamObserver<LogChunk>() {
            @Override
            public void onNext(LogChunk chunk) {
                attached.countDown();
                if (!chunk.getData().isEmpty()) {
                    output.accept(chunk);
                }
            }

            @Override
            public void onError(Throwable t) {
                if (detached.get()) {
                    done.countDown();
                    return;
                }
                failure[0] = t;
                attached.countDown();
                done.countDown();
            }

            @Override
            public void onCompleted() {
                attached.countDown();
                done.countDown();
            }
        });
        requests.onNext(AttachInput.newBuilder().setName(container).build());
        attached.await();
        if (failure[0] instanceof Exception e) {
            throw e;
        }
        if (onAttached != null) {
            onAttached.run();
        }
        if (stdin != null) {
            Thread pump = new Thread(() -> {
                byte[] buffer = new byte[8192];
                DetachKeys keys = new DetachKeys();
                try {
                    for (int n; (n = stdin.read(buffer)) > 0; ) {
                        byte[] data = detachKeys ? keys.filter(buffer, n) : java.util.Arrays.copyOf(buffer, n);
                        if (data.length > 0) {
                            requests.onNext(AttachInput.newBuilder().setStdin(ByteString.copyFrom(data)).build());
                        }
                        if (detachKeys && keys.detached()) {
                            detached.set(true);
                            // cancel, not half-close: the container's stdin stays open for the next attach
                            requests.onError(io.grpc.Status.CANCELLED.withDescription("detached").asRuntimeException());
                            done.countDown();
                            return;
                        }
                    }
                    requests.onNext(AttachInput.newBuilder().setCloseStdin(true).build());
                } catch (IOException | RuntimeException e) {
                    // the session ended while we were reading
                }
            }, "stdin");
            pump.setDaemon(true);
            pump.start();
        }
        done.await();
        if (detached.get()) {
            return true;
        }
        if (failure[0] instanceof Exception e) {
            throw e;
        }
        return false;
    }
}
