package io.hydra.bench;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;

import javax.crypto.Cipher;
import javax.crypto.Mac;
import javax.crypto.spec.GCMParameterSpec;
import javax.crypto.spec.SecretKeySpec;

import net.jpountz.lz4.LZ4Compressor;
import net.jpountz.lz4.LZ4Factory;
import net.jpountz.lz4.LZ4SafeDecompressor;

/**
 * Single-thread throughput of what the checkpoint upload and restore paths do per byte, on page-like data:
 * LZ4 fast compressor ({@code LZ4Factory.fastestInstance().fastCompressor()}), LZ4 safe decompressor
 * ({@code LZ4Factory.safeInstance().safeDecompressor()}, as ChunkCodec decodes untrusted data) and SHA-256
 * ({@code MessageDigest}), on blocks of BLOCK bytes (default 64 KiB, the chunker's mean chunk size).
 * <pre>
 *   CodecBench [--block BYTES] [--seconds S] [--mib M] INPUT...
 *   INPUT: a file (read whole, e.g. a CRIU pages-*.img), "random" (M MiB of random bytes) or "half-zero" (M MiB of
 *          4 KiB pages, every other one all zero, the others random)
 * </pre>
 * Per input and operation: MB/s (10^6 bytes of plain data per second), the best of 3 timed runs of S seconds each,
 * after a warm-up of S seconds. Also the compression ratio.
 *
 * <p>A second table measures what the storage-trust features add, as the daemon's ChunkCodec/ChunkCipher do them
 * with the JDK's providers (no third-party crypto): the upload path per block plain (SHA-256 name, LZ4) and
 * encrypted (HMAC-SHA256 name, LZ4, HMAC nonce, AES-256-GCM over the LZ4 output), the restore path plain (LZ4 safe
 * decompress, SHA-256 check) and encrypted (GCM open, decompress, HMAC check), and the manifest MAC: HMAC-SHA256
 * over a manifest of the size the daemon writes for these blocks (about 190 bytes of JSON per chunk), expressed
 * as MB/s of the plain data it covers.
 */
public final class CodecBench {
    private CodecBench() {
    }

    public static void main(String[] args) throws Exception {
        int block = 64 * 1024;
        double seconds = 2;
        int mib = 64;
        List<String> inputs = new ArrayList<>();
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--block" -> block = Integer.parseInt(args[++i]);
                case "--seconds" -> seconds = Double.parseDouble(args[++i]);
                case "--mib" -> mib = Integer.parseInt(args[++i]);
                default -> inputs.add(args[i]);
            }
        }
        LZ4Compressor comp = LZ4Factory.fastestInstance().fastCompressor();
        LZ4SafeDecompressor decomp = LZ4Factory.safeInstance().safeDecompressor();
        System.out.printf("# lz4 compressor %s, decompressor %s, block %d bytes, 1 thread, best of 3 x %.1f s%n",
                comp, decomp, block, seconds);
        System.out.println("input bytes ratio lz4-compress-MB/s lz4-decompress-MB/s sha256-MB/s sha256+lz4-MB/s");
        for (String in : inputs) {
            byte[] data = load(in, mib);
            int n = data.length / block;
            if (n == 0) {
                System.out.println(in + " too small");
                continue;
            }
            int len = n * block;
            // compressed form of every block, as stored (raw when LZ4 does not make it smaller)
            byte[][] packed = new byte[n][];
            byte[] out = new byte[comp.maxCompressedLength(block)];
            long packedBytes = 0;
            for (int b = 0; b < n; b++) {
                int c = comp.compress(data, b * block, block, out, 0, out.length);
                packed[b] = Arrays.copyOf(out, c);
                packedBytes += Math.min(c, block);
            }
            final int blk = block;
            MessageDigest md = MessageDigest.getInstance("SHA-256");
            byte[] plain = new byte[block];
            double compress = rate(len, seconds, () -> {
                for (int b = 0; b < n; b++) {
                    comp.compress(data, b * blk, blk, out, 0, out.length);
                }
            });
            double decompress = rate(len, seconds, () -> {
                for (int b = 0; b < n; b++) {
                    decomp.decompress(packed[b], 0, packed[b].length, plain, 0, blk);
                }
            });
            double sha = rate(len, seconds, () -> {
                for (int b = 0; b < n; b++) {
                    md.update(data, b * blk, blk);
                    md.digest();
                }
            });
            double both = 1 / (1 / compress + 1 / sha);
            System.out.printf("%s %d %.3f %.0f %.0f %.0f %.0f%n", in, (long) len, (double) packedBytes / len,
                    compress, decompress, sha, both);
            trustRow(in, data, n, block, seconds);
        }
        System.out.println();
        System.out.println("# storage trust, same blocks and timing: MB/s of plain data, 1 thread");
        System.out.println("input upload-plain upload-encrypted ratio restore-plain restore-encrypted ratio"
                + " manifest-mac mac-share-of-upload");
        TRUST_ROWS.forEach(System.out::println);
    }

    private static final List<String> TRUST_ROWS = new ArrayList<>();
    private static final int MANIFEST_BYTES_PER_CHUNK = 190;

    /** The per-block work of ChunkCodec plain and sealed, both ways, and the manifest MAC. */
    private static void trustRow(String in, byte[] data, int n, int blk, double seconds) throws Exception {
        LZ4Compressor comp = LZ4Factory.fastestInstance().fastCompressor();
        LZ4SafeDecompressor decomp = LZ4Factory.safeInstance().safeDecompressor();
        MessageDigest md = MessageDigest.getInstance("SHA-256");
        byte[] key = "bench-key-of-exactly-32-bytes!!!".getBytes(StandardCharsets.US_ASCII);
        Mac idMac = Mac.getInstance("HmacSHA256");
        idMac.init(new SecretKeySpec(key, "HmacSHA256"));
        Mac nonceMac = Mac.getInstance("HmacSHA256");
        nonceMac.init(new SecretKeySpec(Arrays.copyOf(idMac.doFinal(new byte[] {1}), 32), "HmacSHA256"));
        SecretKeySpec aes = new SecretKeySpec(Arrays.copyOf(idMac.doFinal(new byte[] {2}), 32), "AES");
        byte[] out = new byte[comp.maxCompressedLength(blk)];
        long len = (long) n * blk;
        // stored forms, for the restore paths
        byte[][] packed = new byte[n][];
        int[] packedLen = new int[n];
        byte[][] sealed = new byte[n][];
        byte[][] ids = new byte[n][];
        for (int b = 0; b < n; b++) {
            int c = comp.compress(data, b * blk, blk, out, 0, out.length);
            packed[b] = Arrays.copyOf(out, c);
            packedLen[b] = c;
            idMac.update(data, b * blk, blk);
            ids[b] = idMac.doFinal();
            sealed[b] = seal(aes, nonceMac, ids[b], packed[b], c);
        }
        byte[] plain = new byte[blk];
        double upPlain = rate(len, seconds, () -> {
            for (int b = 0; b < n; b++) {
                md.update(data, b * blk, blk);
                md.digest();
                comp.compress(data, b * blk, blk, out, 0, out.length);
            }
        });
        double upSealed = rate(len, seconds, () -> {
            for (int b = 0; b < n; b++) {
                idMac.update(data, b * blk, blk);
                byte[] id = idMac.doFinal();
                int c = comp.compress(data, b * blk, blk, out, 0, out.length);
                seal(aes, nonceMac, id, out, c);
            }
        });
        double downPlain = rate(len, seconds, () -> {
            for (int b = 0; b < n; b++) {
                decomp.decompress(packed[b], 0, packedLen[b], plain, 0, blk);
                md.update(plain);
                md.digest();
            }
        });
        double downSealed = rate(len, seconds, () -> {
            for (int b = 0; b < n; b++) {
                byte[] inner = open(aes, ids[b], sealed[b]);
                decomp.decompress(inner, 0, inner.length, plain, 0, blk);
                idMac.update(plain);
                idMac.doFinal();
            }
        });
        byte[] manifest = new byte[n * MANIFEST_BYTES_PER_CHUNK];
        new Random(7).nextBytes(manifest);
        double manifestMac = rate(len, seconds, () -> {
            idMac.update(manifest);
            idMac.doFinal();
        });
        TRUST_ROWS.add(String.format("%s %.0f %.0f %.2f %.0f %.0f %.2f %.0f %.4f%%", in, upPlain, upSealed,
                upSealed / upPlain, downPlain, downSealed, downSealed / downPlain, manifestMac,
                100 * upPlain / manifestMac));
    }

    private static byte[] seal(SecretKeySpec aes, Mac nonceMac, byte[] id, byte[] inner, int length) {
        try {
            byte[] nonce = Arrays.copyOf(nonceMac.doFinal(id), 12);
            Cipher gcm = Cipher.getInstance("AES/GCM/NoPadding");
            gcm.init(Cipher.ENCRYPT_MODE, aes, new GCMParameterSpec(128, nonce));
            gcm.updateAAD(id);
            byte[] sealed = new byte[12 + length + 16];
            System.arraycopy(nonce, 0, sealed, 0, 12);
            gcm.doFinal(inner, 0, length, sealed, 12);
            return sealed;
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    private static byte[] open(SecretKeySpec aes, byte[] id, byte[] sealed) {
        try {
            Cipher gcm = Cipher.getInstance("AES/GCM/NoPadding");
            gcm.init(Cipher.DECRYPT_MODE, aes, new GCMParameterSpec(128, sealed, 0, 12));
            gcm.updateAAD(id);
            return gcm.doFinal(sealed, 12, sealed.length - 12);
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    private static byte[] load(String in, int mib) throws Exception {
        Random r = new Random(42);
        switch (in) {
            case "random" -> {
                byte[] d = new byte[mib << 20];
                r.nextBytes(d);
                return d;
            }
            case "half-zero" -> {
                byte[] d = new byte[mib << 20];
                byte[] page = new byte[4096];
                for (int p = 0; p < d.length / 4096; p += 2) {
                    r.nextBytes(page);
                    System.arraycopy(page, 0, d, p * 4096, 4096);
                }
                return d;
            }
            default -> {
                return Files.readAllBytes(Path.of(in));
            }
        }
    }

    /** MB/s of plain bytes: warm-up, then the best of 3 runs of about SECONDS each. */
    private static double rate(long bytesPerPass, double seconds, Runnable pass) {
        long budget = (long) (seconds * 1e9);
        long end = System.nanoTime() + budget;
        while (System.nanoTime() < end) {
            pass.run();
        }
        double best = 0;
        for (int run = 0; run < 3; run++) {
            long t0 = System.nanoTime();
            long passes = 0;
            long t;
            do {
                pass.run();
                passes++;
                t = System.nanoTime();
            } while (t - t0 < budget);
            best = Math.max(best, bytesPerPass * passes / ((t - t0) / 1e9) / 1e6);
        }
        return best;
    }
}
