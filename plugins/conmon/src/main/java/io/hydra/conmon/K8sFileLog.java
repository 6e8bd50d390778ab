package io.hydra.runtime.container;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.function.BooleanSupplier;

/**
 * Reads conmon's k8s-file log ({@code <time> <stdout|stderr> <P|F> <text>}) back into the bytes the container
 * wrote: an F line ends with a newline, a P line is a piece of a longer line.
 */
public final class LogReader {
    public interface Sink {
        /** Returns false when the reader should stop (the client went away). */
        boolean write(boolean stderr, byte[] data);
    }

    private LogReader() {
    }

    /**
     * @param follow  keep reading until {@code stillRunning} is false and the file is drained
     */
    public static void read(Path file, boolean follow, BooleanSupplier stillRunning, Sink sink)
            throws IOException, InterruptedException {
        while (!Files.exists(file)) {
            if (!follow || !stillRunning.getAsBoolean()) {
                return;
            }
            Thread.sleep(50);
        }
        try (RandomAccessFile in = new RandomAccessFile(file.toFile(), "r")) {
            StringBuilder partial = new StringBuilder();
            long position = 0;
            while (true) {
                boolean running = follow && stillRunning.getAsBoolean();
                long length = in.length();
                if (length < position) {
                    position = 0; // truncated by a log reopen
                }
                if (length > position) {
                    in.seek(position);
                    byte[] chunk = new byte[(int) Math.min(length - position, 1 << 20)];
                    in.readFully(chunk);
                    int end = lastNewline(chunk);
                    if (end < 0) {
                        if (!running) {
                            return;
                        }
                        Thread.sleep(50);
                        continue;
                    }
                    position += end + 1;
                    String text = new String(chunk, 0, end + 1, StandardCharsets.UTF_8);
                    for (String line : text.split("\n")) {
                        if (!emit(line, partial, sink)) {
                            return;
                        }
                    }
                    continue;
                }
                if (!running) {
                    return;
                }
                Thread.sleep(50);
            }
        }
    }

    private static boolean emit(String line, StringBuilder partial, Sink sink) {
        String[] f = line.split(" ", 4);
        if (f.length < 3) {
            return true;
        }
        boolean stderr = "stderr".equals(f[1]);
        String text = f.length == 4 ? f[3] : "";
        if ("P".equals(f[2])) {
            return sink.write(stderr, text.getBytes(StandardCharsets.UTF_8));
        }
        return sink.write(stderr, (text + "\n").getBytes(StandardCharsets.UTF_8));
    }

    private static int lastNewline(byte[] b) {
        for (int i = b.length - 1; i >= 0; i--) {
            if (b[i] == '\n') {
                return i;
            }
        }
        return -1;
    }
}
