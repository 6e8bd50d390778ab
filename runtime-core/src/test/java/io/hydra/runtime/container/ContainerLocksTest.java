package io.hydra.runtime.container;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import org.junit.jupiter.api.Test;

class ContainerLocksTest {
    /**
     * Many threads take and drop the lock of one id over and over, so its lock is dropped and made anew all the time:
     * never may two of them be inside at once (a lock dropped while a thread was about to take it allowed that).
     */
    @Test
    void aLockDroppedWhenUnusedNeverLetsTwoThreadsIn() throws Exception {
        ContainerLocks locks = new ContainerLocks();
        AtomicInteger inside = new AtomicInteger();
        AtomicInteger most = new AtomicInteger();
        CountDownLatch go = new CountDownLatch(1);
        List<Thread> threads = new ArrayList<>();
        for (int t = 0; t < 8; t++) {
            Thread thread = new Thread(() -> {
                try {
                    go.await();
                } catch (InterruptedException e) {
                    return;
                }
                for (int i = 0; i < 20_000; i++) {
                    locks.run("c", () -> {
                        most.accumulateAndGet(inside.incrementAndGet(), Math::max);
                        inside.decrementAndGet();
                    });
                }
            });
            thread.start();
            threads.add(thread);
        }
        go.countDown();
        for (Thread thread : threads) {
            thread.join(TimeUnit.MINUTES.toMillis(2));
        }
        assertEquals(1, most.get(), "threads inside one container's lock at once");
        assertEquals(0, locks.inUse(), "no lock lingers once nobody uses it");
    }

    /** A thread queued on a held lock is served by that same lock: a newcomer cannot slip past the holder. */
    @Test
    void aQueuedThreadKeepsTheLockAlive() throws Exception {
        ContainerLocks locks = new ContainerLocks();
        CountDownLatch holding = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        Thread holder = new Thread(() -> locks.run("c", () -> {
            holding.countDown();
            try {
                release.await();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }));
        holder.start();
        assertTrue(holding.await(30, TimeUnit.SECONDS));
        Thread queued = new Thread(() -> locks.run("c", () -> { }));
        queued.start();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (queued.getState() != Thread.State.WAITING && System.nanoTime() < deadline) {
            Thread.onSpinWait();
        }
        assertTrue(locks.busy("c"));
        assertTrue(locks.tryWith("c", () -> "in").isEmpty(), "the held lock was replaced by a fresh one");
        release.countDown();
        holder.join(30_000);
        queued.join(30_000);
        assertEquals(0, locks.inUse());
    }
}
