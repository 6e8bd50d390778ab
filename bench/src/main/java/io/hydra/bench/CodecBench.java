package io.hydra.bench;

import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;

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
