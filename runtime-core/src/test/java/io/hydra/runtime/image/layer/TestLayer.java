package io.hydra.runtime.image.layer;

import com.github.luben.zstd.ZstdOutputStream;
import io.hydra.runtime.image.ImageConfig;
import io.hydra.runtime.image.LayerDescriptor;
import io.hydra.runtime.image.StoredImage;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;
import org.apache.commons.compress.archivers.tar.TarConstants;
import org.apache.commons.compress.compressors.gzip.GzipCompressorOutputStream;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.security.MessageDigest;
import java.time.Instant;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/** Builds layer tars the way image tools write them (Commons Compress), as blobs on disk with their descriptors. */
final class TestLayer {
    static final FileTime MTIME = FileTime.from(Instant.parse("2024-03-01T12:00:00Z"));

    enum Compression { NONE, GZIP, ZSTD }

    private final ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    private final TarArchiveOutputStream tar;

    TestLayer() {
        this(TarArchiveOutputStream.LONGFILE_POSIX);
    }

    /** {@code longFileMode}: how long names are written, {@link TarArchiveOutputStream#LONGFILE_GNU} or POSIX (PAX). */
    TestLayer(int longFileMode) {
        tar = new TarArchiveOutputStream(bytes, StandardCharsets.UTF_8.name());
        tar.setLongFileMode(longFileMode);
        tar.setBigNumberMode(TarArchiveOutputStream.BIGNUMBER_POSIX);
    }

    TestLayer dir(String name, int mode) {
        TarArchiveEntry entry = new TarArchiveEntry(name.endsWith("/") ? name : name + "/", TarConstants.LF_DIR, true);
        entry.setMode(mode);
        return add(entry, null);
    }

    TestLayer file(String name, String content) {
        return file(name, content, 0644, 0, 0);
    }

    TestLayer file(String name, String content, int mode, int uid, int gid) {
        TarArchiveEntry entry = new TarArchiveEntry(name, TarConstants.LF_NORMAL, true);
        entry.setMode(mode);
        entry.setUserId(uid);
        entry.setGroupId(gid);
        return add(entry, content.getBytes(StandardCharsets.UTF_8));
    }

    TestLayer symlink(String name, String target) {
        TarArchiveEntry entry = new TarArchiveEntry(name, TarConstants.LF_SYMLINK, true);
        entry.setLinkName(target);
        return add(entry, null);
    }

    TestLayer hardLink(String name, String target) {
        TarArchiveEntry entry = new TarArchiveEntry(name, TarConstants.LF_LINK, true);
        entry.setLinkName(target);
        return add(entry, null);
    }

    TestLayer fifo(String name) {
        TarArchiveEntry entry = new TarArchiveEntry(name, TarConstants.LF_FIFO, true);
        entry.setMode(0640);
        return add(entry, null);
    }

    TestLayer device(String name, byte type) {
        TarArchiveEntry entry = new TarArchiveEntry(name, type, true);
        entry.setDevMajor(1);
        entry.setDevMinor(3);
        entry.setMode(0666);
        return add(entry, null);
    }

    TestLayer whiteout(String name) {
        int slash = name.lastIndexOf('/');
        return file(name.substring(0, slash + 1) + ".wh." + name.substring(slash + 1), "");
    }

    TestLayer opaque(String dir) {
        return file(dir + "/.wh..wh..opq", "");
    }

    /** A file with PAX headers (xattrs as SCHILY.xattr.* or LIBARCHIVE.xattr.*). */
    TestLayer fileWithPax(String name, String content, Map<String, String> pax) {
        TarArchiveEntry entry = new TarArchiveEntry(name, TarConstants.LF_NORMAL, true);
        entry.setMode(0644);
        pax.forEach(entry::addPaxHeader);
        return add(entry, content.getBytes(StandardCharsets.UTF_8));
    }

    TestLayer add(TarArchiveEntry entry, byte[] content) {
        try {
            entry.setModTime(MTIME);
            if (content != null) {
                entry.setSize(content.length);
            }
            tar.putArchiveEntry(entry);
            if (content != null) {
                tar.write(content);
            }
            tar.closeArchiveEntry();
            return this;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The finished tar, uncompressed. */
    byte[] tarBytes() {
        try {
            tar.finish();
            return bytes.toByteArray();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static byte[] compress(byte[] tar, Compression compression) {
        try {
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            try (OutputStream compressed = switch (compression) {
                case NONE -> out;
                case GZIP -> new GzipCompressorOutputStream(out);
                case ZSTD -> new ZstdOutputStream(out);
            }) {
                compressed.write(tar);
            }
            return out.toByteArray();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static String sha256(byte[] data) {
        try {
            return "sha256:" + HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(data));
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    static String mediaType(Compression compression) {
        return switch (compression) {
            case NONE -> "application/vnd.oci.image.layer.v1.tar";
            case GZIP -> "application/vnd.oci.image.layer.v1.tar+gzip";
            case ZSTD -> "application/vnd.oci.image.layer.v1.tar+zstd";
        };
    }

    /** Blobs stored as files by digest, as the image store would hold them; counts opens. */
    static final class Blobs implements LayerCache.BlobOpener {
        final Path dir;
        final Map<String, Integer> opens = new ConcurrentHashMap<>();

        Blobs(Path dir) {
            this.dir = dir;
        }

        LayerDescriptor put(TestLayer layer, Compression compression) {
            byte[] tar = layer.tarBytes();
            return put(compress(tar, compression), mediaType(compression), sha256(tar));
        }

        /** Stores these exact bytes under their own digest, claiming {@code diffId}. */
        LayerDescriptor put(byte[] blob, String mediaType, String diffId) {
            String digest = sha256(blob);
            try {
                Files.createDirectories(dir);
                Files.write(dir.resolve(digest.substring(7)), blob);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            return new LayerDescriptor(digest, mediaType, blob.length, diffId);
        }

        @Override
        public java.io.InputStream open(LayerDescriptor layer) throws IOException {
            opens.merge(layer.digest(), 1, Integer::sum);
            return Files.newInputStream(dir.resolve(layer.digest().substring(7)));
        }
    }

    static StoredImage image(String ref, LayerDescriptor... layers) {
        return new StoredImage(ref, sha256(ref.getBytes(StandardCharsets.UTF_8)), sha256(new byte[]{1}),
                new ImageConfig(null, null, null, null, null, null, null, null), List.of(layers), 0, Instant.now());
    }
}
