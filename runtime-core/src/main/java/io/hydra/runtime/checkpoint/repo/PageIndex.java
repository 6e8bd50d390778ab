package io.hydra.runtime.checkpoint.repo;

import java.io.ByteArrayOutputStream;
import java.util.Arrays;
import java.util.Base64;
import java.util.List;

/**
 * Where every page of a page image lives: the file's pages in order, as runs of consecutive pages that are also
 * consecutive inside one page record. A run says how many pages it covers, which record of the file's record table
 * ({@link ManifestFile#chunks()}) holds them, and at which page of that record it starts. A record may belong to an
 * earlier version; an unchanged stretch of memory is one run pointing into it.
 *
 * <p>In the manifest this is the file's {@code pages} field: base64 of unsigned LEB128 varints, three per run
 * (count, record, first page), so a version that changed little has a short index. It is untrusted input: decoding
 * checks every run against the record table and the file size before anything is allocated from it.
 */
final class PageIndex {
    private final int[] counts;
    private final int[] records;
    private final int[] firsts;
    private final long pages;

    private PageIndex(int[] counts, int[] records, int[] firsts, int runs) {
        this.counts = Arrays.copyOf(counts, runs);
        this.records = Arrays.copyOf(records, runs);
        this.firsts = Arrays.copyOf(firsts, runs);
        long total = 0;
        for (int count : this.counts) {
            total += count;
        }
        this.pages = total;
    }

    int runCount() {
        return counts.length;
    }

    int count(int run) {
        return counts[run];
    }

    int record(int run) {
        return records[run];
    }

    int first(int run) {
        return firsts[run];
    }

    long pageCount() {
        return pages;
    }

    /** The first page of the file whose content the record at {@code recordIndex} holds, or -1. */
    long firstFilePage(int recordIndex) {
        long page = 0;
        for (int run = 0; run < counts.length; run++) {
            if (records[run] == recordIndex) {
                return page;
            }
            page += counts[run];
        }
        return -1;
    }

    String encode() {
        ByteArrayOutputStream out = new ByteArrayOutputStream(counts.length * 4);
        for (int run = 0; run < counts.length; run++) {
            varint(out, counts[run]);
            varint(out, records[run]);
            varint(out, firsts[run]);
        }
        return Base64.getEncoder().withoutPadding().encodeToString(out.toByteArray());
    }

    private static void varint(ByteArrayOutputStream out, int value) {
        while ((value & ~0x7f) != 0) {
            out.write((value & 0x7f) | 0x80);
            value >>>= 7;
        }
        out.write(value);
    }

    /**
     * Parses and checks a manifest's {@code pages} value against the file's record table and size: every run covers
     * at least one page and stays inside its record, the runs cover exactly the file, every record holds whole pages
     * and is used.
     *
     * @throws IllegalArgumentException saying what is wrong
     */
    static PageIndex decode(String encoded, List<ChunkRef> records, long size) {
        byte[] bytes;
        try {
            bytes = Base64.getDecoder().decode(encoded);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("is not base64");
        }
        if (size % Chunker.PAGE != 0) {
            throw new IllegalArgumentException("belongs to a file of " + size + " bytes, not whole pages");
        }
        int[] recordPages = new int[records.size()];
        for (int r = 0; r < records.size(); r++) {
            int plain = records.get(r).plainLength();
            if (plain % Chunker.PAGE != 0) {
                throw new IllegalArgumentException("refers to record " + r + " of " + plain
                        + " bytes, not whole pages");
            }
            recordPages[r] = plain / Chunker.PAGE;
        }
        boolean[] used = new boolean[records.size()];
        // Each run takes at least 3 bytes, which bounds the arrays by the input, not by what it claims.
        int capacity = bytes.length / 3;
        int[] counts = new int[capacity];
        int[] recordOf = new int[capacity];
        int[] firsts = new int[capacity];
        int runs = 0;
        long covered = 0;
        int[] position = {0};
        while (position[0] < bytes.length) {
            int count = readVarint(bytes, position);
            int record = readVarint(bytes, position);
            int first = readVarint(bytes, position);
            if (count < 1) {
                throw new IllegalArgumentException("run " + runs + " covers no page");
            }
            if (record >= records.size()) {
                throw new IllegalArgumentException("run " + runs + " (page " + covered + ") refers to record "
                        + record + " of a table of " + records.size());
            }
            if ((long) first + count > recordPages[record]) {
                throw new IllegalArgumentException("run " + runs + " (page " + covered + ") reads pages " + first
                        + ".." + ((long) first + count - 1) + " of record " + record + ", which holds "
                        + recordPages[record]);
            }
            used[record] = true;
            counts[runs] = count;
            recordOf[runs] = record;
            firsts[runs] = first;
            runs++;
            covered += count;
        }
        if (covered * Chunker.PAGE != size) {
            throw new IllegalArgumentException("covers " + covered + " pages but the file has " + size / Chunker.PAGE);
        }
        for (int r = 0; r < used.length; r++) {
            if (!used[r]) {
                throw new IllegalArgumentException("never uses record " + r + " of its table");
            }
        }
        return new PageIndex(counts, recordOf, firsts, runs);
    }

    private static int readVarint(byte[] bytes, int[] position) {
        int value = 0;
        for (int shift = 0; shift < 32; shift += 7) {
            if (position[0] >= bytes.length) {
                throw new IllegalArgumentException("ends inside a run");
            }
            int b = bytes[position[0]++] & 0xff;
            if (shift == 28 && (b & 0xf8) != 0) {
                throw new IllegalArgumentException("holds a number beyond 2^31");
            }
            value |= (b & 0x7f) << shift;
            if ((b & 0x80) == 0) {
                return value;
            }
        }
        throw new IllegalArgumentException("holds a number beyond 2^31");
    }

    /** Builds an index page by page, in file order, merging consecutive pages of one record into runs. */
    static final class Builder {
        private int[] counts = new int[16];
        private int[] records = new int[16];
        private int[] firsts = new int[16];
        private int runs;

        void add(int record, int pageInRecord) {
            if (runs > 0 && records[runs - 1] == record && firsts[runs - 1] + counts[runs - 1] == pageInRecord) {
                counts[runs - 1]++;
                return;
            }
            if (runs == counts.length) {
                counts = Arrays.copyOf(counts, runs * 2);
                records = Arrays.copyOf(records, runs * 2);
                firsts = Arrays.copyOf(firsts, runs * 2);
            }
            counts[runs] = 1;
            records[runs] = record;
            firsts[runs] = pageInRecord;
            runs++;
        }

        PageIndex build() {
            return new PageIndex(counts, records, firsts, runs);
        }
    }

    @Override
    public boolean equals(Object other) {
        return other instanceof PageIndex index && Arrays.equals(counts, index.counts)
                && Arrays.equals(records, index.records) && Arrays.equals(firsts, index.firsts);
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(counts) * 31 + Arrays.hashCode(records);
    }

    @Override
    public String toString() {
        return "PageIndex[" + counts.length + " runs, " + pages + " pages]";
    }
}
