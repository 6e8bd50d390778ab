package io.hydra.conmon;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class K8sFileLogCursorTest {
    @TempDir
    Path dir;

    private final ByteArrayOutputStream out = new ByteArrayOutputStream();
    private final ByteArrayOutputStream err = new ByteArrayOutputStream();

    private void sink(boolean stderr, byte[] data) {
        (stderr ? err : out).writeBytes(data);
    }

    private static void append(Path file, String text) throws Exception {
        Files.writeString(file, text, StandardCharsets.UTF_8, StandardOpenOption.CREATE, StandardOpenOption.APPEND);
    }

    /** What conmon 2.1.6 does at --log-size-max: a fresh {@code <log>.tmp} renamed over the log. */
    private static void replaceAsConmonDoes(Path log, String text) throws Exception {
        Path tmp = log.resolveSibling(log.getFileName() + ".tmp");
        Files.writeString(tmp, text);
        Files.move(tmp, log, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    }

    private void drain(K8sFileLogCursor cursor) throws Exception {
        while (cursor.poll(K8sFileLogCursor.WINDOW, this::sink) > 0) {
            // until nothing new
        }
    }

    @Test
    void decodesFullAndPartialRecordsByteForByte() throws Exception {
        Path log = dir.resolve("ctr.log");
        try (K8sFileLogCursor cursor = new K8sFileLogCursor(log)) {
            assertEquals(0, cursor.poll(K8sFileLogCursor.WINDOW, this::sink), "no file yet is nothing yet");
            append(log, "2026-01-01T00:00:00.000000000+00:00 stdout P h\u00e9\n"
                    + "2026-01-01T00:00:00.000000000+00:00 stdout F llo world\n"
                    + "2026-01-01T00:00:00.000000000+00:00 stderr F oops\n"
                    + "2026-01-01T00:00:00.000000000+00:00 stdout F\n"
                    + "2026-01-01T00:00:00.000000000+00:00 stdout F half-writ");
            drain(cursor);
            assertEquals("h\u00e9llo world\n\n", out.toString(StandardCharsets.UTF_8));
            assertEquals("oops\n", err.toString(StandardCharsets.UTF_8));
            append(log, "ten\n");
            drain(cursor);
            assertEquals("h\u00e9llo world\n\nhalf-written\n", out.toString(StandardCharsets.UTF_8),
                    "a record is passed on once its newline is there");
        }
    }

    @Test
    void carriesOnWhenConmonReplacesTheLog() throws Exception {
        Path log = dir.resolve("ctr.log");
        append(log, "t stdout F one\nt stdout F two\n");
        try (K8sFileLogCursor cursor = new K8sFileLogCursor(log)) {
            drain(cursor);
            append(log, "t stdout F three\n");
            replaceAsConmonDoes(log, "t stdout F four\n");
            append(log, "t stdout F five\n");
            drain(cursor);
            assertEquals("one\ntwo\nthree\nfour\nfive\n", out.toString(StandardCharsets.UTF_8),
                    "the old file's end, then the new file from its start");
            assertEquals(1, cursor.rotations());
        }
    }

    @Test
    void drainsTheOldFileBeforeMovingToTheNewOne() throws Exception {
        Path log = dir.resolve("ctr.log");
        append(log, "t stdout F one\n");
        try (K8sFileLogCursor cursor = new K8sFileLogCursor(log)) {
            drain(cursor);
            append(log, "t stdout F two\n");
            replaceAsConmonDoes(log, "t stdout F three\n");
            drain(cursor);
            assertEquals("one\ntwo\nthree\n", out.toString(StandardCharsets.UTF_8));
        }
    }

    @Test
    void readsATruncatedLogFromItsStart() throws Exception {
        Path log = dir.resolve("ctr.log");
        append(log, "t stdout F a long first line\n");
        try (K8sFileLogCursor cursor = new K8sFileLogCursor(log)) {
            drain(cursor);
            Files.writeString(log, "t stdout F b\n", StandardOpenOption.TRUNCATE_EXISTING);
            drain(cursor);
            assertEquals("a long first line\nb\n", out.toString(StandardCharsets.UTF_8));
        }
    }

    @Test
    void readsABigLogAWindowAtATime() throws Exception {
        Path log = dir.resolve("ctr.log");
        StringBuilder b = new StringBuilder();
        StringBuilder expected = new StringBuilder();
        for (int i = 0; i < 20_000; i++) {
            b.append("2026-01-01T00:00:00.000000000+00:00 stdout F line ").append(i).append('\n');
            expected.append("line ").append(i).append('\n');
        }
        append(log, b.toString());
        try (K8sFileLogCursor cursor = new K8sFileLogCursor(log)) {
            int polls = 0;
            for (int n; (n = cursor.poll(K8sFileLogCursor.WINDOW, this::sink)) > 0; polls++) {
                assertEquals(true, n <= K8sFileLogCursor.WINDOW);
            }
            assertEquals(expected.toString(), out.toString(StandardCharsets.UTF_8));
            assertEquals(true, polls > 1, "more than one window");
        }
    }

    @Test
    void keepsToTheBudgetButReadsALongerRecordWhole() throws Exception {
        Path log = dir.resolve("ctr.log");
        String longText = "x".repeat(5000);
        append(log, "t stdout F a\nt stdout F b\nt stdout F " + longText + "\nt stderr F c\n");
        try (K8sFileLogCursor cursor = new K8sFileLogCursor(log)) {
            assertEquals(13, cursor.poll(20, this::sink), "the records that fit in 20 bytes: one");
            assertEquals("a\n", out.toString(StandardCharsets.UTF_8));
            assertEquals(13, cursor.poll(20, this::sink));
            int n = cursor.poll(20, this::sink);
            assertEquals(11 + 5000 + 1, n, "a record longer than the budget comes whole, and only it");
            assertEquals("a\nb\n" + longText + "\n", out.toString(StandardCharsets.UTF_8));
            drain(cursor);
            assertEquals("c\n", err.toString(StandardCharsets.UTF_8));
        }
    }

    @Test
    void refusesANonPositiveBudget() {
        try (K8sFileLogCursor cursor = new K8sFileLogCursor(dir.resolve("ctr.log"))) {
            org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
                    () -> cursor.poll(0, this::sink));
        }
    }
}
