package io.hydra.runtime.image.registry;

import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.time.Duration;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/**
 * A response body that fails when no byte has arrived for the idle timeout. The HTTP client's request timeout ends
 * with the headers, so a registry or CDN that stops sending mid-blob would otherwise hold the pull (and whatever it
 * holds) forever. A watchdog checks the time of the last progress; on expiry it closes the body and interrupts the
 * reader blocked on it, which then gets an IOException naming what stalled.
 */
final class IdleTimeoutInputStream extends FilterInputStream {
    private static final ScheduledExecutorService WATCHDOG = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "registry-idle-watchdog");
        t.setDaemon(true);
        return t;
    });

    private final long idleNanos;
    private final String what;
    private final ScheduledFuture<?> check;
    private volatile long lastProgress = System.nanoTime();
    private Thread reader;
    private boolean timedOut;
    private boolean closed;

    IdleTimeoutInputStream(InputStream in, Duration idle, String what) {
        super(in);
        this.idleNanos = idle.toNanos();
        this.what = what;
        long period = Math.max(10, idle.toMillis() / 4);
        this.check = WATCHDOG.scheduleAtFixedRate(this::expireIfIdle, period, period, TimeUnit.MILLISECONDS);
    }

    private void expireIfIdle() {
        if (System.nanoTime() - lastProgress < idleNanos) {
            return;
        }
        synchronized (this) {
            if (closed || timedOut) {
                return;
            }
            timedOut = true;
            if (reader != null) {
                reader.interrupt();
            }
        }
        check.cancel(false);
        try {
            in.close();
        } catch (IOException ignored) {
            // the reader fails on its own either way
        }
    }

    @Override
    public int read() throws IOException {
        byte[] one = new byte[1];
        int n = read(one, 0, 1);
        return n < 0 ? -1 : one[0] & 0xff;
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
        enter();
        int n;
        try {
            n = in.read(b, off, len);
        } catch (IOException e) {
            leave();
            throw timedOut() ? stalled() : e;
        } finally {
            leave();
        }
        if (timedOut()) {
            throw stalled();
        }
        lastProgress = System.nanoTime();
        return n;
    }

    private synchronized void enter() throws IOException {
        if (timedOut) {
            throw stalled();
        }
        reader = Thread.currentThread();
    }

    private synchronized void leave() {
        if (reader == Thread.currentThread()) {
            reader = null;
            if (timedOut) {
                // the watchdog's interrupt was for the read, not for whoever runs this thread
                Thread.interrupted();
            }
        }
    }

    private synchronized boolean timedOut() {
        return timedOut;
    }

    private IOException stalled() {
        return new IOException(what + ": no data for " + Duration.ofNanos(idleNanos).toSeconds() + "s (idle timeout),"
                + " the transfer was abandoned");
    }

    @Override
    public void close() throws IOException {
        synchronized (this) {
            closed = true;
        }
        check.cancel(false);
        super.close();
    }
}
