package io.hydra.runtime.checkpoint.repo;

import java.io.IOException;
import java.io.InterruptedIOException;
import java.util.Optional;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Supplier;

/**
 * The bytes one upload may hold in memory, and its first failure: the reader takes permits before it hands data on
 * and gives up as soon as any part of the upload (a hashing task, a pack upload) has failed, instead of waiting for
 * permits that will never come back.
 */
final class UploadBudget {
    private final Semaphore permits;
    private final AtomicReference<Throwable> failure = new AtomicReference<>();
    private final Supplier<Optional<Throwable>> elsewhere;

    UploadBudget(Semaphore permits, Supplier<Optional<Throwable>> elsewhere) {
        this.permits = permits;
        this.elsewhere = elsewhere;
    }

    void acquire(int count) throws IOException {
        try {
            while (!permits.tryAcquire(count, 50, TimeUnit.MILLISECONDS)) {
                check();
            }
            check();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new InterruptedIOException("checkpoint upload interrupted");
        }
    }

    void release(int count) {
        permits.release(count);
    }

    /** Records the first failure; later ones are consequences. */
    void fail(Throwable cause) {
        failure.compareAndSet(null, cause);
    }

    Throwable failure() {
        return failure.get();
    }

    void check() throws IOException {
        Throwable failed = failure.get();
        if (failed == null) {
            failed = elsewhere.get().orElse(null);
        }
        if (failed != null) {
            throw asIOException(failed);
        }
    }

    /** A task's result, its failure as the upload's IOException. */
    static <T> T await(java.util.concurrent.Future<T> future) throws IOException {
        try {
            return future.get();
        } catch (ExecutionException e) {
            throw asIOException(e.getCause());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new InterruptedIOException("checkpoint upload interrupted");
        }
    }

    /**
     * Waits for every task handed to a pool (they fail fast once the upload has failed), so none appends to a pack
     * after the writer is aborted.
     */
    static void drain(java.util.List<? extends java.util.concurrent.Future<?>> tasks) {
        for (java.util.concurrent.Future<?> task : tasks) {
            try {
                task.get();
            } catch (ExecutionException e) {
                // Reported through the budget already, or the abandonment itself.
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }

    static IOException asIOException(Throwable failed) {
        while ((failed instanceof CompletionException || failed instanceof ExecutionException)
                && failed.getCause() != null) {
            failed = failed.getCause();
        }
        return failed instanceof IOException io ? io : new IOException("checkpoint upload failed: " + failed, failed);
    }
}
