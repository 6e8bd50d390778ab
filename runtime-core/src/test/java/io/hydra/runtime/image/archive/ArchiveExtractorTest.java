package io.hydra.runtime.image.archive;

import io.hydra.runtime.HydraException;
import io.hydra.runtime.image.layer.RawTar;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;
import org.apache.commons.compress.archivers.tar.TarConstants;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Image archives unpacked for import: what a docker save or skopeo archive holds, and hostile tars refused. */
class ArchiveExtractorTest {
    @TempDir
    Path tmp;

    @Test
    void refusesALongNameOverTheHeaderLimit() throws Exception {
        Path archive = tmp.resolve("evil.tar");
        byte[] name = "A".repeat(8 << 20).getBytes(StandardCharsets.UTF_8);
        Files.write(archive, new RawTar().file("manifest.json", "[]").entry("././@LongLink", 'L', name).file("A", "x").bytes());
        Path into = Files.createDirectory(tmp.resolve("into"));
        HydraException e = assertThrows(HydraException.class, () -> ArchiveExtractor.extract(archive, into));
        assertTrue(e.getMessage().contains("holds more than 1 MiB") && e.getMessage().contains("after the entry 'manifest.json'"),
                e.getMessage());
    }

    @Test
    void legacyDockerSaveLinksBetweenLayersBecomeFiles() throws Exception {
        Path archive = tmp.resolve("legacy.tar");
        try (TarArchiveOutputStream tar = tar(archive, TarArchiveOutputStream.LONGFILE_POSIX)) {
            symlink(tar, "b/layer.tar", "../a/layer.tar"); // before its target, as docker save may order them
            file(tar, "a/layer.tar", "layer bytes");
            file(tar, "manifest.json", "[]");
        }
        Path into = Files.createDirectory(tmp.resolve("into"));
        ArchiveExtractor.extract(archive, into);
        assertEquals("layer bytes", Files.readString(into.resolve("b/layer.tar")));
        assertTrue(Files.isRegularFile(into.resolve("b/layer.tar"), java.nio.file.LinkOption.NOFOLLOW_LINKS));
    }

    @Test
    void refusesSymlinksThatLeaveTheArchiveOrNameNoFile() throws Exception {
        for (String[] link : List.of(new String[]{"b/layer.tar", "../../etc/passwd", "points outside"},
                new String[]{"b/layer.tar", "/etc/passwd", "relative path"},
                new String[]{"b/layer.tar", "../missing/layer.tar", "does not name a file"},
                new String[]{"b/layer.tar", "../a", "does not name a regular file"})) {
            Path archive = tmp.resolve("evil.tar");
            try (TarArchiveOutputStream tar = tar(archive, TarArchiveOutputStream.LONGFILE_POSIX)) {
                file(tar, "a/layer.tar", "x");
                symlink(tar, link[0], link[1]);
            }
            Path into = Files.createTempDirectory(tmp, "into");
            HydraException e = assertThrows(HydraException.class, () -> ArchiveExtractor.extract(archive, into));
            assertTrue(e.getMessage().contains("symlink 'b/layer.tar'") && e.getMessage().contains(link[2]), e.getMessage());
        }
    }

    static TarArchiveOutputStream tar(Path archive, int longFileMode) throws IOException {
        OutputStream out = Files.newOutputStream(archive);
        TarArchiveOutputStream tar = new TarArchiveOutputStream(out, StandardCharsets.UTF_8.name());
        tar.setLongFileMode(longFileMode);
        return tar;
    }

    static void file(TarArchiveOutputStream tar, String name, String content) throws IOException {
        byte[] bytes = content.getBytes(StandardCharsets.UTF_8);
        TarArchiveEntry entry = new TarArchiveEntry(name, TarConstants.LF_NORMAL, true);
        entry.setSize(bytes.length);
        tar.putArchiveEntry(entry);
        tar.write(bytes);
        tar.closeArchiveEntry();
    }

    static void symlink(TarArchiveOutputStream tar, String name, String target) throws IOException {
        TarArchiveEntry entry = new TarArchiveEntry(name, TarConstants.LF_SYMLINK, true);
        entry.setLinkName(target);
        tar.putArchiveEntry(entry);
        tar.closeArchiveEntry();
    }

    static List<String> list(Path dir) throws IOException {
        try (var entries = Files.walk(dir)) {
            return entries.map(p -> dir.relativize(p).toString()).sorted().toList();
        }
    }
}
