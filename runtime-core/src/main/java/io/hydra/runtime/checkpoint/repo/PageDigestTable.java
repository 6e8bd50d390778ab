package io.hydra.runtime.checkpoint.repo;

import java.util.Arrays;

/**
 * Page digests to small integers, for the millions of pages of a large image: the digests live in one byte array
 * (32 bytes each) and an open-addressing table of ints points into it, about 40 bytes a page instead of the few
 * hundred a map of strings would take. A lookup compares the whole digest, so two pages share an entry only when
 * their digests are equal. Not thread-safe.
 */
final class PageDigestTable {
    private static final int D = MerkleRoot.DIGEST_BYTES;

    private byte[] digests;
    private int[] values;
    /** Slot to entry number plus one; zero is empty. */
    private int[] slots;
    private int size;

    PageDigestTable(int expected) {
        int capacity = Math.max(16, expected);
        digests = new byte[capacity * D];
        values = new int[capacity];
        slots = new int[tableSize(capacity)];
    }

    int size() {
        return size;
    }

    /** The value recorded for the digest at {@code digest[offset..offset+32)}, or -1. */
    int find(byte[] digest, int offset) {
        int mask = slots.length - 1;
        for (int slot = hash(digest, offset) & mask; ; slot = (slot + 1) & mask) {
            int entry = slots[slot];
            if (entry == 0) {
                return -1;
            }
            if (Arrays.equals(digests, (entry - 1) * D, entry * D, digest, offset, offset + D)) {
                return values[entry - 1];
            }
        }
    }

    /** Records the digest with its value unless it is already there (the first value stays). */
    void putIfAbsent(byte[] digest, int offset, int value) {
        if (find(digest, offset) >= 0) {
            return;
        }
        if (size == values.length) {
            digests = Arrays.copyOf(digests, size * 2 * D);
            values = Arrays.copyOf(values, size * 2);
        }
        System.arraycopy(digest, offset, digests, size * D, D);
        values[size] = value;
        size++;
        if (size * 2L > slots.length) {
            rehash(slots.length * 2);
        } else {
            insert(size);
        }
    }

    private void insert(int entry) {
        int mask = slots.length - 1;
        int slot = hash(digests, (entry - 1) * D) & mask;
        while (slots[slot] != 0) {
            slot = (slot + 1) & mask;
        }
        slots[slot] = entry;
    }

    private void rehash(int newSize) {
        slots = new int[newSize];
        for (int entry = 1; entry <= size; entry++) {
            insert(entry);
        }
    }

    private static int tableSize(int capacity) {
        return Integer.highestOneBit(Math.max(32, capacity * 2 - 1)) << 1;
    }

    /** The digest's first four bytes: they are already uniformly distributed. */
    private static int hash(byte[] digest, int offset) {
        return (digest[offset] & 0xff) << 24 | (digest[offset + 1] & 0xff) << 16 | (digest[offset + 2] & 0xff) << 8
                | (digest[offset + 3] & 0xff);
    }
}
