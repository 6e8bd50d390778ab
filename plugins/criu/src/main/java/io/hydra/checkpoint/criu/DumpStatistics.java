package io.hydra.checkpoint.criu;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;

/**
 * CRIU's {@code stats-dump} image: two magic words, a 32-bit length, then a protobuf {@code StatsEntry} whose field 1
 * is the {@code DumpStatsEntry} (freezing_time 1, frozen_time 2, memdump_time 3, memwrite_time 4, pages_scanned 5,
 * pages_skipped_parent 6, pages_written 7; times in microseconds). Decoded by hand: it is a dozen varints, and the
 * plugin stays free of a protobuf runtime.
 */
record DumpStatistics(Duration frozen, long pagesWritten) {
    private static final int MAX_SIZE = 4096;

    static Optional<DumpStatistics> read(Path statsFile) {
        try {
            if (!Files.isRegularFile(statsFile) || Files.size(statsFile) > MAX_SIZE) {
                return Optional.empty();
            }
            ByteBuffer b = ByteBuffer.wrap(Files.readAllBytes(statsFile)).order(ByteOrder.LITTLE_ENDIAN);
            b.position(8);
            int length = b.getInt();
            if (length <= 0 || length > b.remaining()) {
                return Optional.empty();
            }
            ByteBuffer entry = b.slice(b.position(), length);
            while (entry.hasRemaining()) {
                long key = varint(entry);
                if (key == ((1 << 3) | 2)) {
                    int size = (int) varint(entry);
                    return Optional.of(dump(entry.slice(entry.position(), size)));
                }
                skip(entry, (int) (key & 7));
            }
            return Optional.empty();
        } catch (IOException | RuntimeException e) {
            return Optional.empty();
        }
    }

    private static DumpStatistics dump(ByteBuffer b) {
        long frozenMicros = 0;
        long pagesWritten = 0;
        while (b.hasRemaining()) {
            long key = varint(b);
            int field = (int) (key >>> 3);
            if ((key & 7) != 0) {
                skip(b, (int) (key & 7));
                continue;
            }
            long value = varint(b);
            if (field == 2) {
                frozenMicros = value;
            } else if (field == 7) {
                pagesWritten = value;
            }
        }
        return new DumpStatistics(Duration.ofNanos(frozenMicros * 1000), pagesWritten);
    }

    private static long varint(ByteBuffer b) {
        long value = 0;
        for (int shift = 0; shift < 64; shift += 7) {
            byte x = b.get();
            value |= (long) (x & 0x7f) << shift;
            if ((x & 0x80) == 0) {
                return value;
            }
        }
        throw new IllegalArgumentException("varint too long");
    }

    private static void skip(ByteBuffer b, int wireType) {
        switch (wireType) {
            case 0 -> varint(b);
            case 1 -> b.position(b.position() + 8);
            case 2 -> b.position(b.position() + (int) varint(b));
            case 5 -> b.position(b.position() + 4);
            default -> throw new IllegalArgumentException("wire type " + wireType);
        }
    }
}
