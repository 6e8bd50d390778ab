package io.hydra.runtime.container;

import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Supplier;

/**
 * One lock per container: every change to a container holds it, and a long operation (a checkpoint's dump can take
 * minutes) holds it throughout. Background passes use {@link #tryWith} and skip a busy container until their next
 * round instead of queueing behind it.
 */
public final class ContainerLocks {
    private final Map<String, ReentrantLock> locks = new ConcurrentHashMap<>();

    public <T> T with(String id, Supplier<T> action) {
        ReentrantLock lock = lock(id);
        lock.lock();
        try {
            return action.get();
        } finally {
            lock.unlock();
        }
    }

    public void run(String id, Runnable action) {
        with(id, () -> {
            action.run();
            return null;
        });
    }

    /** Runs {@code action} only if no one holds the container's lock now; empty when it was busy. */
    public <T> Optional<T> tryWith(String id, Supplier<T> action) {
        ReentrantLock lock = lock(id);
        if (!lock.tryLock()) {
            return Optional.empty();
        }
        try {
            return Optional.ofNullable(action.get());
        } finally {
            lock.unlock();
        }
    }

    /**
     * Runs {@code action} if the container's lock comes free within {@code wait}; empty when it stayed busy. For
     * notifications: most verbs hold the lock for milliseconds, a checkpoint for minutes.
     */
    public <T> Optional<T> tryWith(String id, java.time.Duration wait, Supplier<T> action) {
        ReentrantLock lock = lock(id);
        try {
            if (!lock.tryLock(wait.toMillis(), java.util.concurrent.TimeUnit.MILLISECONDS)) {
                return Optional.empty();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return Optional.empty();
        }
        try {
            return Optional.ofNullable(action.get());
        } finally {
            lock.unlock();
        }
    }

    /** True when some thread holds the container's lock (a verb or a long operation runs). */
    public boolean busy(String id) {
        ReentrantLock lock = locks.get(id);
        return lock != null && lock.isLocked();
    }

    public void forget(String id) {
        locks.remove(id);
    }

    private ReentrantLock lock(String id) {
        return locks.computeIfAbsent(id, k -> new ReentrantLock());
    }
}
