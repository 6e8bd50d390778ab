package io.hydra.spi.monitor;

/** A connection to a running container's stdio through its monitor. Output arrives at the {@link Listener}. */
public interface AttachSession extends AutoCloseable {
    interface Listener {
        /** A piece of the container's output, as it was written. */
        void output(boolean stderr, byte[] data);

        /** The monitor closed the session: the container exited, or the monitor went away. */
        void closed();
    }

    /** Sends bytes to the container's stdin (it must have been created with stdin kept open). */
    void writeStdin(byte[] data);

    /** Closes the container's stdin: it reads end-of-file. */
    void closeStdin();

    /** Detaches; the container runs on. */
    @Override
    void close();
}
