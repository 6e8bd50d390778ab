package io.hydra.conmon;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.function.BooleanSupplier;

import io.hydra.spi.monitor.LogSink;

/**
 * Reads conmon's k8s-file log ({@code <time> <stdout|stderr> <P|F> <text>}) back into the bytes the container
 * wrote: an F line ends with a newline, a P line is a piece of a longer line.
 */
final class K8sFileLog {
    private K8sFileLog() {
    }

    static void read(Path file, boolean follow, BooleanSupplier stillRunning, LogSink sink)
            throws IOException, InterruptedException {
        while (!Files.exists(file)) {
            if (!follow || !stillRunning.getAsBoolean()) {
                return;
            }
            Thread.sleep(50);
        }
        try (RandomAccessFile in = new RandomAccessFile(file.toFile(), "r")) {
            long position = 0;
            while (true) {
                boolean running = follow && stillRunning.getAsBoolean();
                long length = in.length();
                if (length < position) {
                    position = 0; // truncated: conmon reopens the log when it reaches --log-size-max
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
                        if (!emit(line, sink)) {
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

    private static boolean emit(String line, LogSink sink) {
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
