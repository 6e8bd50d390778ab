package io.hydra.runtime.checkpoint.repo;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.util.Base64;
import java.util.List;

import org.junit.jupiter.api.Test;

/** The {@code pages} field of a page image, built, encoded and refused when it does not fit its table and size. */
class PageIndexTest {
    private static final int PAGE = Chunker.PAGE;
    private static final String SHA = "a".repeat(64);
    private static final List<ChunkRef> TABLE = List.of(new ChunkRef(SHA, 64 * PAGE, "p", 0, 64 * PAGE + 16),
            new ChunkRef(SHA, 4 * PAGE, "p", 70_000, 4 * PAGE + 16));

    private static String runs(int... values) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (int value : values) {
            long v = value & 0xffffffffL;
            while (v >= 0x80) {
                out.write((int) (v & 0x7f) | 0x80);
                v >>>= 7;
            }
            out.write((int) v);
        }
        return Base64.getEncoder().withoutPadding().encodeToString(out.toByteArray());
    }

    @Test
    void consecutivePagesOfOneRecordBecomeOneRunAndSurviveEncoding() {
        PageIndex.Builder builder = new PageIndex.Builder();
        for (int p = 0; p < 10; p++) {
            builder.add(0, p);
        }
        builder.add(1, 2);
        builder.add(1, 3);
        builder.add(0, 10);
        PageIndex index = builder.build();
        assertEquals(3, index.runCount());
        assertEquals(13, index.pageCount());
        PageIndex decoded = PageIndex.decode(index.encode(), TABLE, 13L * PAGE);
        assertEquals(index, decoded);
        assertEquals(10, decoded.firstFilePage(1));
        assertEquals(0, decoded.firstFilePage(0));
    }

    private static void refused(String encoded, long size, String fragment) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> PageIndex.decode(encoded, TABLE, size));
        assertTrue(e.getMessage().contains(fragment), "'" + fragment + "' in: " + e.getMessage());
    }

    @Test
    void anIndexThatDoesNotFitItsTableOrFileIsRefusedByName() {
        refused("!!!", PAGE, "is not base64");
        refused(runs(1, 0, 0, 1, 1, 0), 3L * PAGE, "covers 2 pages but the file has 3");
        refused(runs(1, 2, 0), PAGE, "refers to record 2 of a table of 2");
        refused(runs(3, 1, 2, 1, 0, 0), 4L * PAGE, "reads pages 2..4 of record 1, which holds 4");
        refused(runs(0, 0, 0), 0, "covers no page");
        refused(runs(1, 0, 0), PAGE, "never uses record 1");
        refused(runs(1, 0), PAGE, "ends inside a run");
        refused(Base64.getEncoder().encodeToString(new byte[] {(byte) 0xff, (byte) 0xff, (byte) 0xff, (byte) 0xff,
                (byte) 0x7f, 0, 0}), PAGE, "beyond 2^31");
        refused(runs(1, 0, 0, 1, 1, 0), 2L * PAGE + 1, "not whole pages");
        List<ChunkRef> odd = List.of(new ChunkRef(SHA, PAGE + 1, "p", 0, PAGE + 17));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> PageIndex.decode(runs(1, 0, 0), odd, PAGE));
        assertTrue(e.getMessage().contains("not whole pages"), e.getMessage());
    }
}
