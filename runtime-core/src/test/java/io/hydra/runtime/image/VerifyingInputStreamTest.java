package io.hydra.runtime.image;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.util.Random;

import org.junit.jupiter.api.Test;

class VerifyingInputStreamTest {
    private final byte[] data = new byte[100_000];

    VerifyingInputStreamTest() {
        new Random(7).nextBytes(data);
    }

    private static byte[] drain(InputStream in) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        byte[] buf = new byte[4096];
        int n;
        while ((n = in.read(buf)) >= 0) {
            out.write(buf, 0, n);
        }
        return out.toByteArray();
    }

    @Test
    void passesTheRightBytesThrough() throws IOException {
        VerifyingInputStream in = new VerifyingInputStream(new ByteArrayInputStream(data), Digests.of(data),
                data.length, "layer x");
        assertArrayEquals(data, drain(in));
        assertEquals(data.length, in.count());
    }

    @Test
    void failsTheReadThatWouldCompleteAWrongBlob() throws IOException {
        byte[] corrupt = data.clone();
        corrupt[corrupt.length - 1] ^= 1;
        VerifyingInputStream in = new VerifyingInputStream(new ByteArrayInputStream(corrupt), Digests.of(data),
                data.length, "layer sha256:x of image y");
        byte[] buf = new byte[data.length];
        int got = 0;
        IOException e = null;
        try {
            while (true) {
                int n = in.read(buf, got, buf.length - got);
                if (n < 0) {
                    break;
                }
                got += n;
            }
        } catch (IOException thrown) {
            e = thrown;
        }
        assertTrue(e != null && e.getMessage().contains("does not match its digest"), String.valueOf(e));
        assertTrue(e.getMessage().contains("layer sha256:x of image y"), e.getMessage());
        // the consumer never received the final bytes
        assertTrue(got < data.length, "got " + got);
    }

    @Test
    void aTruncatedBlobIsAnEofNamingIt() {
        byte[] half = java.util.Arrays.copyOf(data, 500);
        EOFException e = assertThrows(EOFException.class, () -> drain(new VerifyingInputStream(
                new ByteArrayInputStream(half), Digests.of(data), data.length, "layer z")));
        assertTrue(e.getMessage().contains("layer z is truncated: 500 of 100000"), e.getMessage());
    }

    @Test
    void aLongerBlobIsRefused() {
        byte[] longer = java.util.Arrays.copyOf(data, data.length + 1);
        IOException e = assertThrows(IOException.class, () -> drain(new VerifyingInputStream(
                new ByteArrayInputStream(longer), Digests.of(data), data.length, "layer z")));
        assertTrue(e.getMessage().contains("longer than"), e.getMessage());
    }

    @Test
    void withoutASizeTheDigestIsCheckedAtTheEnd() {
        byte[] other = data.clone();
        other[0] ^= 1;
        IOException e = assertThrows(IOException.class, () -> drain(new VerifyingInputStream(
                new ByteArrayInputStream(other), Digests.of(data), -1, "config c")));
        assertTrue(e.getMessage().contains("does not match"), e.getMessage());
    }

    @Test
    void aBlobOfExactlyOneReadBufferIsReadWhole() throws IOException {
        // readAllBytes fills an 8192-byte buffer, then asks for 0 more bytes
        byte[] exact = new byte[8192];
        new java.util.Random(1).nextBytes(exact);
        try (VerifyingInputStream in = new VerifyingInputStream(new ByteArrayInputStream(exact), Digests.of(exact),
                exact.length, "blob")) {
            org.junit.jupiter.api.Assertions.assertArrayEquals(exact, in.readAllBytes());
        }
    }
}
