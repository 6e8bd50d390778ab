package io.hydra.runtime.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.Test;

import io.hydra.runtime.HydraException;
import io.hydra.spi.monitor.LogCursor;
import io.hydra.spi.monitor.LogSink;

/** logs --tail and --since over a cursor that hands out timed records a few at a time, as a monitor's does. */
class LogWindowTest {
    private record Rec(Instant time, String text) {
    }

    /** Hands out at most two records per poll; more may be appended later (a followed log). */
    private static final class Scripted implements LogCursor {
        final List<Rec> records = new ArrayList<>();
        int next;

        @Override
        public int poll(int maxBytes, LogSink sink) {
            int n = 0;
            for (int i = 0; i < 2 && next < records.size(); i++, next++) {
                byte[] b = records.get(next).text().getBytes(StandardCharsets.UTF_8);
                sink.write(records.get(next).time(), false, b);
                n += b.length;
            }
            return n;
        }

        @Override
        public void close() {
        }
    }

    private static String drain(LogCursor c) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        while (c.poll(1 << 16, (stderr, data) -> out.write(data, 0, data.length)) > 0) {
            // until nothing new
        }
        return out.toString(StandardCharsets.UTF_8);
    }

    @Test
    void tailKeepsTheLastLinesPartialRecordsIncludedThenFollows() throws IOException {
        Instant t = Instant.parse("2026-01-01T00:00:00Z");
        Scripted s = new Scripted();
        for (String r : List.of("one\n", "two\n", "thr", "ee\n", "four\n")) {
            s.records.add(new Rec(t, r));
        }
        LogCursor window = LogWindow.of(s, null, 2);
        assertEquals("three\nfour\n", drain(window));
        s.records.add(new Rec(t, "five\n"));
        assertEquals("five\n", drain(window), "what comes later follows whole");
    }

    @Test
    void sinceDropsEarlierRecordsAndCombinesWithTail() throws IOException {
        Instant t = Instant.parse("2026-01-01T00:00:00Z");
        Scripted s = new Scripted();
        for (int i = 0; i < 5; i++) {
            s.records.add(new Rec(t.plusSeconds(i), "l" + i + "\n"));
        }
        assertEquals("l3\nl4\n", drain(LogWindow.of(s, t.plusSeconds(3), 0)));
        s.next = 0;
        assertEquals("l4\n", drain(LogWindow.of(s, t.plusSeconds(2), 1)));
        s.next = 0;
        assertEquals("l0\nl1\nl2\nl3\nl4\n", drain(LogWindow.of(s, null, 0)));
    }

    @Test
    void sinceTakesRfc3339OrADurationBeforeNow() {
        Instant now = Instant.parse("2026-01-01T12:00:00Z");
        assertEquals(now.minus(Duration.ofMinutes(10)), LogSince.parse("10m", now));
        assertEquals(now.minus(Duration.ofMinutes(90)), LogSince.parse("1h30m", now));
        assertEquals(now.minusMillis(1500), LogSince.parse("1.5s", now));
        assertEquals(Instant.parse("2026-01-01T10:00:00Z"), LogSince.parse("2026-01-01T11:00:00+01:00", now));
        assertEquals(null, LogSince.parse("", now));
        HydraException e = assertThrows(HydraException.class, () -> LogSince.parse("yesterday", now));
        assertEquals(true, e.getMessage().contains("'yesterday'"));
    }
}
