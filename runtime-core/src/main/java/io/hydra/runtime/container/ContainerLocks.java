package io.hydra.runtime.container;

import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Supplier;

/**
 * One lock per container: every change to a container holds it, and a long operation (a checkpoint's dump can take
 * minutes) holds it throughout. Background passes use {@link #tryWith} and skip a busy container until their next
 * round instead of queueing behind it.
 *
 * <p>A lock lives as long as some thread holds it, waits for it or is about to: each caller counts itself in
 * before locking and out after unlocking, and the last one out drops it. So no thread ever gets a fresh lock for
 * an id another thread holds or is queued on (removing a lock when its container was removed did that).
 */
public final class ContainerLocks {
    private static final class Entry {
        final ReentrantLock lock = new ReentrantLock();
        /** Threads that hold, wait for or are about to take the lock; only changed inside the map's compute. */
        int users;
    }

    private final Map<String, Entry> locks = new ConcurrentHashMap<>();

    public <T> T with(String id, Supplier<T> action) {
        Entry e = enter(id);
        try {
            e.lock.lock();
            try {
                return action.get();
            } finally {
                e.lock.unlock();
            }
        } finally {
            leave(id);
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
        Entry e = enter(id);
        try {
            if (!e.lock.tryLock()) {
                return Optional.empty();
            }
            try {
                return Optional.ofNullable(action.get());
            } finally {
                e.lock.unlock();
            }
        } finally {
            leave(id);
        }
    }

    /**
     * Runs {@code action} if the container's lock comes free within {@code wait}; empty when it stayed busy. For
     * notifications: most verbs hold the lock for milliseconds, a checkpoint for minutes.
     */
    public <T> Optional<T> tryWith(String id, Duration wait, Supplier<T> action) {
        Entry e = enter(id);
        try {
            try {
                if (!e.lock.tryLock(wait.toMillis(), TimeUnit.MILLISECONDS)) {
                    return Optional.empty();
                }
            } catch (InterruptedException ie) {
                Thread.currentThread().interrupt();
                return Optional.empty();
            }
            try {
                return Optional.ofNullable(action.get());
            } finally {
                e.lock.unlock();
            }
        } finally {
            leave(id);
        }
    }

    /** True when some thread holds the container's lock (a verb or a long operation runs). */
    public boolean busy(String id) {
        Entry e = locks.get(id);
        return e != null && e.lock.isLocked();
    }

    /** How many containers have a lock in use now (for tests: an unused lock does not linger). */
    int inUse() {
        return locks.size();
    }

    private Entry enter(String id) {
        return locks.compute(id, (k, e) -> {
            Entry entry = e == null ? new Entry() : e;
            entry.users++;
            return entry;
        });
    }

    private void leave(String id) {
        locks.computeIfPresent(id, (k, e) -> --e.users == 0 ? null : e);
    }
}
