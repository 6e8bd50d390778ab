package io.hydra.runtime.checkpoint.repo;

import java.io.IOException;
import java.io.InterruptedIOException;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/** How a gated store holds a call: announces it got there, then waits for the test to open the gate. */
final class Gates {
    private Gates() {
    }

    /** A gate the test never opens fails the held call instead of hanging the build. */
    static void holdAt(CountDownLatch reached, CountDownLatch gate, long timeoutSeconds) throws IOException {
        reached.countDown();
        try {
            if (!gate.await(timeoutSeconds, TimeUnit.SECONDS)) {
                throw new IOException("gate never opened");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new InterruptedIOException();
        }
    }
}
