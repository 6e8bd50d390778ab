package io.hydra.runtime.checkpoint.repo;

import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.MessageDigest;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

import org.jboss.logging.Logger;

/**
 * The page digests of each container's last version this node wrote or restored, so the next checkpoint can tell
 * which pages changed without reading the previous image back from the store. One file per container:
 * <pre>
 *   "HYPD", format (int, 1), version (long), file count (int),
 *   per page image: path length (int), path (UTF-8), page count (int), 32 bytes per page,
 *   SHA-256 of all of the above
 * </pre>
 * It is a cache and never trusted: the checksum catches a torn or damaged file, and {@link ParentPages} checks the
 * digests against the version's manifest (the file names are Merkle roots of exactly these digests) before any page
 * is deduplicated against them. Anything wrong, and the checkpoint stores every page again.
 */
final class PageDigestCache {
    private static final Logger LOG = Logger.getLogger(PageDigestCache.class);
    private static final int MAGIC = 0x48595044; // "HYPD"
    private static final int FORMAT = 1;
    /** 8 MiB of digests per GiB of memory: anything much larger is not a file this class wrote. */
    static final long MAX_BYTES = 512L * 1024 * 1024;

    /** A container's cached version: page image path to its page digests (32 bytes per page). */
    record Entry(long version, Map<String, byte[]> digests) {
    }

    private final Path directory;

    PageDigestCache(Path directory) {
        this.directory = directory;
    }

    Optional<Entry> read(String containerId) {
        Path file = directory.resolve(containerId);
        try {
            if (Files.size(file) > MAX_BYTES) {
                LOG.warnf("page digest cache %s is larger than %d bytes; ignored", file, MAX_BYTES);
                return Optional.empty();
            }
            byte[] bytes = Files.readAllBytes(file);
            return Optional.of(parse(bytes));
        } catch (NoSuchFileException e) {
            return Optional.empty();
        } catch (IOException | RuntimeException e) {
            LOG.warnf("page digest cache %s is unreadable (%s); the next checkpoint stores every page", file, e);
            return Optional.empty();
        }
    }

    private static Entry parse(byte[] bytes) throws IOException {
        int body = bytes.length - MerkleRoot.DIGEST_BYTES;
        if (body < 20) {
            throw new IOException("truncated");
        }
        MessageDigest sha = Sha256.newDigest();
        sha.update(bytes, 0, body);
        if (!MessageDigest.isEqual(sha.digest(), java.util.Arrays.copyOfRange(bytes, body, bytes.length))) {
            throw new IOException("checksum mismatch");
        }
        ByteBuffer in = ByteBuffer.wrap(bytes, 0, body);
        if (in.getInt() != MAGIC || in.getInt() != FORMAT) {
            throw new IOException("not a page digest cache of format " + FORMAT);
        }
        long version = in.getLong();
        int files = in.getInt();
        if (files < 0 || files > 100_000) {
            throw new IOException("claims " + files + " files");
        }
        Map<String, byte[]> digests = new LinkedHashMap<>();
        for (int i = 0; i < files; i++) {
            int pathLength = in.getInt();
            if (pathLength < 1 || pathLength > in.remaining()) {
                throw new IOException("path length " + pathLength + " runs past the end");
            }
            byte[] path = new byte[pathLength];
            in.get(path);
            int pages = in.getInt();
            if (pages < 0 || (long) pages * MerkleRoot.DIGEST_BYTES > in.remaining()) {
                throw new IOException(pages + " pages run past the end");
            }
            byte[] pageDigests = new byte[pages * MerkleRoot.DIGEST_BYTES];
            in.get(pageDigests);
            digests.put(new String(path, StandardCharsets.UTF_8), pageDigests);
        }
        if (in.hasRemaining()) {
            throw new IOException(in.remaining() + " bytes after the last file");
        }
        return new Entry(version, digests);
    }

    /** Replaces the container's entry, atomically; a failure only costs the next checkpoint its dedup. */
    void write(String containerId, long version, Map<String, byte[]> digests) {
        Path file = directory.resolve(containerId);
        Path temp = null;
        try {
            ByteArrayOutputStream buffer = new ByteArrayOutputStream();
            DataOutputStream out = new DataOutputStream(buffer);
            out.writeInt(MAGIC);
            out.writeInt(FORMAT);
            out.writeLong(version);
            out.writeInt(digests.size());
            for (Map.Entry<String, byte[]> entry : digests.entrySet()) {
                byte[] path = entry.getKey().getBytes(StandardCharsets.UTF_8);
                out.writeInt(path.length);
                out.write(path);
                out.writeInt(entry.getValue().length / MerkleRoot.DIGEST_BYTES);
                out.write(entry.getValue());
            }
            out.flush();
            byte[] body = buffer.toByteArray();
            MessageDigest sha = Sha256.newDigest();
            byte[] checksum = sha.digest(body);
            Files.createDirectories(directory, PosixFilePermissions.asFileAttribute(
                    PosixFilePermissions.fromString("rwx------")));
            temp = Files.createTempFile(directory, "." + containerId + ".", ".tmp");
            try (FileChannel channel = FileChannel.open(temp, StandardOpenOption.WRITE)) {
                ByteBuffer data = ByteBuffer.wrap(body);
                while (data.hasRemaining()) {
                    channel.write(data);
                }
                ByteBuffer sum = ByteBuffer.wrap(checksum);
                while (sum.hasRemaining()) {
                    channel.write(sum);
                }
                channel.force(true);
            }
            Files.move(temp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            temp = null;
        } catch (IOException | RuntimeException e) {
            LOG.warnf("could not write the page digest cache %s (%s); the next checkpoint of %s stores every page",
                    file, e, containerId);
        } finally {
            if (temp != null) {
                try {
                    Files.deleteIfExists(temp);
                } catch (IOException e) {
                    // A stray temporary file is harmless: its name never matches a container.
                }
            }
        }
    }

    void forget(String containerId) {
        try {
            Files.deleteIfExists(directory.resolve(containerId));
        } catch (IOException e) {
            LOG.debugf("could not delete the page digest cache of %s: %s", containerId, e);
        }
    }
}
