package io.hydra.conmon;

import java.nio.file.Path;
import java.util.Arrays;

import io.hydra.spi.monitor.AttachSession;
import io.hydra.spi.monitor.MonitorException;
import jnr.ffi.Memory;
import jnr.ffi.Pointer;

/**
 * conmon's attach socket: SOCK_SEQPACKET (which the JDK's Unix channels cannot open), one packet per read, whose
 * first byte names the stream (2 stdout, 3 stderr). Stdin is written as raw packets; shutting down our write side
 * closes the container's stdin. Connected through {@code /proc/self/fd/N/attach} so a long bundle path does not
 * hit the 108-byte limit of socket addresses.
 */
final class AttachSocket implements AttachSession {
    private static final LibC C = LibC.INSTANCE;
    private static final int AF_UNIX = 1;
    private static final int SOCK_SEQPACKET = 5;
    private static final int SOCK_CLOEXEC = 0x80000;
    private static final int O_PATH = 0x200000;
    private static final int O_DIRECTORY = 0x10000;
    private static final int SHUT_WR = 1;
    private static final int MAX_PACKET = 8192;

    private final int fd;
    private final Thread reader;
    private volatile boolean closed;

    private AttachSocket(int fd, Listener listener) {
        this.fd = fd;
        this.reader = new Thread(() -> read(listener), "conmon-attach-" + fd);
        reader.setDaemon(true);
        reader.start();
    }

    static AttachSocket connect(Path socket, Listener listener) {
        int dir = C.open(socket.getParent().toString(), O_PATH | O_DIRECTORY | LibC.O_CLOEXEC);
        if (dir < 0) {
            throw new MonitorException("cannot open " + socket.getParent() + ": errno " + LibC.errno());
        }
        int fd = C.socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
        try {
            if (fd < 0) {
                throw new MonitorException("cannot create an attach socket: errno " + LibC.errno());
            }
            byte[] path = ("/proc/self/fd/" + dir + "/" + socket.getFileName()).getBytes();
            Pointer address = Memory.allocateDirect(LibC.RUNTIME, 110, true);
            address.putShort(0, (short) AF_UNIX);
            address.put(2, path, 0, path.length);
            if (C.connect(fd, address, 2 + path.length + 1) != 0) {
                int errno = LibC.errno();
                C.close(fd);
                throw new MonitorException("cannot attach: connecting to " + socket + " failed (errno " + errno
                        + "); is the container running?");
            }
        } finally {
            C.close(dir);
        }
        return new AttachSocket(fd, listener);
    }

    private void read(Listener listener) {
        byte[] buffer = new byte[MAX_PACKET + 1];
        try {
            while (!closed) {
                long n = C.read(fd, buffer, buffer.length);
                if (n < 0 && LibC.errno() == LibC.EINTR) {
                    continue;
                }
                if (n <= 0) {
                    break;
                }
                if (n > 1) {
                    listener.output(buffer[0] == 3, Arrays.copyOfRange(buffer, 1, (int) n));
                }
            }
        } finally {
            listener.closed();
        }
    }

    @Override
    public void writeStdin(byte[] data) {
        for (int off = 0; off < data.length; off += MAX_PACKET) {
            byte[] packet = Arrays.copyOfRange(data, off, Math.min(data.length, off + MAX_PACKET));
            if (C.write(fd, packet, packet.length) < 0) {
                throw new MonitorException("writing to the container's stdin failed: errno " + LibC.errno());
            }
        }
    }

    @Override
    public void closeStdin() {
        C.shutdown(fd, SHUT_WR);
    }

    @Override
    public void close() {
        if (!closed) {
            closed = true;
            // shutdown wakes the reader; the descriptor is closed once it has stopped using it
            C.shutdown(fd, 2);
            try {
                reader.join(1000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            C.close(fd);
        }
    }
}
