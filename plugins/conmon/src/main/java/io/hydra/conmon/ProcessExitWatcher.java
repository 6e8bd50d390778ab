package io.hydra.conmon;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.logging.Level;
import java.util.logging.Logger;

import io.hydra.spi.monitor.ProcessIdentity;
import jnr.ffi.Memory;
import jnr.ffi.Pointer;
import jnr.ffi.byref.IntByReference;

/**
 * Learns of process exits at once, children or not, with one thread for all of them: a pidfd per process, polled
 * together. (ProcessHandle.onExit polls non-children and fires more than a second late.) Children are reaped here,
 * one pid at a time, so the JDK's own child processes are never reaped behind its back.
 */
public final class ProcessExitWatcher implements AutoCloseable {
    private static final Logger LOG = Logger.getLogger(ProcessExitWatcher.class.getName());
    private static final LibC C = LibC.INSTANCE;

    private record Watch(ProcessIdentity process, int pidfd, boolean reap, CompletableFuture<Void> exited) {
    }

    private final ConcurrentLinkedQueue<Watch> added = new ConcurrentLinkedQueue<>();
    private final List<Watch> watched = new ArrayList<>();
    private final int wakeFd;
    private final Thread thread;
    private volatile boolean closed;

    public ProcessExitWatcher() {
        wakeFd = C.eventfd(0, LibC.O_CLOEXEC);
        if (wakeFd < 0) {
            throw new IllegalStateException("eventfd failed: errno " + LibC.errno());
        }
        thread = new Thread(this::run, "process-exit-watcher");
        thread.setDaemon(true);
        thread.start();
    }

    /**
     * @param reap true when the process is our child and must be waited for
     * @return completes when the process has exited (at once when it is already gone)
     */
    public CompletableFuture<Void> watch(ProcessIdentity process, boolean reap) {
        CompletableFuture<Void> exited = new CompletableFuture<>();
        int pidfd = (int) C.syscall(LibC.SYS_PIDFD_OPEN, process.pid(), 0);
        if (pidfd < 0) {
            if (reap) {
                C.waitpid(process.pid(), new IntByReference(), LibC.WNOHANG);
            }
            exited.complete(null);
            return exited;
        }
        // the pid may have been reused between our record and pidfd_open: the identity check after opening settles it
        if (!process.isAlive() && !reap) {
            C.close(pidfd);
            exited.complete(null);
            return exited;
        }
        added.add(new Watch(process, pidfd, reap, exited));
        wake();
        return exited;
    }

    private void wake() {
        byte[] one = new byte[8];
        one[0] = 1;
        C.write(wakeFd, one, 8);
    }

    private void run() {
        while (!closed) {
            for (Watch w; (w = added.poll()) != null; ) {
                watched.add(w);
            }
            int n = watched.size() + 1;
            Pointer fds = Memory.allocateDirect(LibC.RUNTIME, 8L * n, true);
            fds.putInt(0, wakeFd);
            fds.putShort(4, (short) LibC.POLLIN);
            for (int i = 0; i < watched.size(); i++) {
                fds.putInt(8L * (i + 1), watched.get(i).pidfd());
                fds.putShort(8L * (i + 1) + 4, (short) LibC.POLLIN);
            }
            int ready = C.poll(fds, n, -1);
            if (ready < 0) {
                if (LibC.errno() != LibC.EINTR) {
                    LOG.log(Level.SEVERE, "poll failed: errno {0}", LibC.errno());
                    sleepQuietly();
                }
                continue;
            }
            if (fds.getShort(6) != 0) {
                C.read(wakeFd, new byte[8], 8);
            }
            List<Watch> gone = new ArrayList<>();
            for (int i = 0; i < watched.size(); i++) {
                if (fds.getShort(8L * (i + 1) + 6) != 0) {
                    gone.add(watched.get(i));
                }
            }
            for (Watch w : gone) {
                watched.remove(w);
                if (w.reap()) {
                    C.waitpid(w.process().pid(), new IntByReference(), LibC.WNOHANG);
                }
                C.close(w.pidfd());
                w.exited().complete(null);
            }
        }
    }

    private static void sleepQuietly() {
        try {
            Thread.sleep(100);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @Override
    public void close() {
        closed = true;
        wake();
    }
}
