package io.hydra.storage.s3;

import java.io.IOException;
import java.io.InterruptedIOException;
import java.time.Duration;
import java.util.concurrent.ThreadLocalRandom;
import okhttp3.Interceptor;
import okhttp3.Request;
import okhttp3.Response;

/**
 * Retries one HTTP request on failures that may pass: an I/O error (refused, reset, timed out), a 5xx (including
 * 503 SlowDown), 408, 429, and S3's 409 ConditionalRequestConflict. Never on other 4xx: a wrong key or signature does
 * not get better by asking again. Delays grow exponentially with jitter, within bounds, for a bounded number of
 * attempts, so a dead endpoint fails the operation in about a second rather than hanging.
 *
 * <p>Retrying at this level works for uploads too: minio-java buffers each part (at most the part size) in memory
 * and its request bodies can be written again, whereas the caller's stream cannot be rewound.
 */
final class TransientRetryInterceptor implements Interceptor {
    private final int attempts;
    private final long firstDelayNanos;
    private final long maxDelayNanos;

    TransientRetryInterceptor(int attempts, Duration firstDelay, Duration maxDelay) {
        if (attempts < 1) {
            throw new IllegalArgumentException("attempts must be at least 1");
        }
        this.attempts = attempts;
        this.firstDelayNanos = firstDelay.toNanos();
        this.maxDelayNanos = maxDelay.toNanos();
    }

    @Override
    public Response intercept(Chain chain) throws IOException {
        Request request = chain.request();
        for (int attempt = 1; ; attempt++) {
            try {
                Response response = chain.proceed(request);
                if (attempt == attempts || !isTransient(response)) {
                    return response;
                }
                response.close();
            } catch (IOException e) {
                if (attempt == attempts || e instanceof InterruptedIOException && Thread.currentThread().isInterrupted()) {
                    throw new TransientFailureException(request, attempt, e);
                }
            }
            pause(attempt);
        }
    }

    private static boolean isTransient(Response response) throws IOException {
        int status = response.code();
        if (status >= 500 || status == 408 || status == 429) {
            return true;
        }
        return status == 409 && response.peekBody(8192).string().contains("ConditionalRequestConflict");
    }

    /** Full jitter over an exponentially growing, capped window: retries of many clients do not march in step. */
    private void pause(int attempt) throws InterruptedIOException {
        long ceiling = Math.min(maxDelayNanos, firstDelayNanos << Math.min(attempt - 1, 30));
        long delay = ceiling / 2 + ThreadLocalRandom.current().nextLong(ceiling / 2 + 1);
        try {
            Thread.sleep(delay / 1_000_000, (int) (delay % 1_000_000));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new InterruptedIOException("interrupted while waiting to retry an S3 request");
        }
    }

    /**
     * A request that failed every attempt. The last error is suppressed, not the cause: minio-java replaces an
     * exception that has a cause by that cause, which would lose the attempt count.
     */
    static final class TransientFailureException extends IOException {
        private final int attempts;

        TransientFailureException(Request request, int attempts, IOException last) {
            super(request.method() + " " + request.url().redact() + " failed " + attempts
                    + (attempts == 1 ? " time" : " times") + "; last error: " + last);
            this.attempts = attempts;
            addSuppressed(last);
        }

        int attempts() {
            return attempts;
        }
    }
}
