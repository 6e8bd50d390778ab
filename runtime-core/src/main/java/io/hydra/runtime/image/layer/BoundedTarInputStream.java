package io.hydra.runtime.image.layer;

import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;

import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;

/**
 * A tar reader whose headers cannot exhaust the heap. Commons Compress reads a PAX header, a GNU long name or link
 * ({@code ././@LongLink}) and a sparse map wholly into memory, and a run of one byte repeated compresses a
 * thousandfold: a 300 KB gzip becomes a 300 MB name. So the bytes read while between two entries (their header
 * records, PAX records, long names, sparse maps) are bounded by {@link #HEADER_LIMIT}; global PAX headers, which
 * accumulate for the whole archive, share one budget until a real entry follows. Entry names are read as UTF-8
 * whatever the locale, as image tools write them. Not a closeable resource of its own: closing it closes the input.
 */
public final class BoundedTarInputStream extends TarArchiveInputStream {
    /** Far above any honest header (a PATH_MAX name is 4 KiB), far below a heap. */
    public static final long HEADER_LIMIT = 1 << 20;

    private final Counting counting;
    private boolean inHeaders;
    private boolean carryBudget;
    private String previousName;

    public BoundedTarInputStream(InputStream in) {
        this(new Counting(in));
    }

    private BoundedTarInputStream(Counting counting) {
        super(counting, StandardCharsets.UTF_8.name());
        this.counting = counting;
        counting.owner = this;
    }

    @Override
    public TarArchiveEntry getNextEntry() throws IOException {
        if (inHeaders) {
            return super.getNextEntry(); // Commons Compress recurses after a PAX or long-name header
        }
        if (getCurrentEntry() != null) {
            // what the caller left of the entry is data, not header: read it here so it is not counted
            transferTo(OutputStream.nullOutputStream());
            previousName = getCurrentEntry().getName();
        }
        if (!carryBudget) {
            counting.count = 0;
        }
        inHeaders = true;
        TarArchiveEntry entry;
        try {
            entry = super.getNextEntry();
        } finally {
            inHeaders = false;
        }
        carryBudget = entry != null && entry.isGlobalPaxHeader();
        return entry;
    }

    private IOException overLimit() {
        TarArchiveEntry header = getCurrentEntry();
        String where = previousName == null ? "at the start of the archive" : "after the entry '" + LayerUnpacker.printable(previousName) + "'";
        String name = header == null ? "" : " '" + LayerUnpacker.printable(shorten(header.getName())) + "'";
        return new IOException("the tar header" + name + " " + where + " holds more than " + (HEADER_LIMIT >> 20)
                + " MiB (a PAX header, GNU long name or sparse map that large is an attack, not a file name)");
    }

    private static String shorten(String name) {
        return name.length() > 200 ? name.substring(0, 200) + "..." : name;
    }

    /** Counts the bytes the tar reader takes while it is reading headers. */
    private static final class Counting extends FilterInputStream {
        BoundedTarInputStream owner;
        long count;

        Counting(InputStream in) {
            super(in);
        }

        @Override
        public int read() throws IOException {
            int b = super.read();
            if (b >= 0) {
                counted(1);
            }
            return b;
        }

        @Override
        public int read(byte[] buffer, int offset, int length) throws IOException {
            int n = super.read(buffer, offset, length);
            if (n > 0) {
                counted(n);
            }
            return n;
        }

        @Override
        public long skip(long n) throws IOException {
            long skipped = super.skip(n);
            counted(skipped);
            return skipped;
        }

        private void counted(long n) throws IOException {
            if (owner != null && owner.inHeaders) {
                count += n;
                if (count > HEADER_LIMIT) {
                    throw owner.overLimit();
                }
            }
        }
    }
}
