package io.hydra.it;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * OCI images for tests, built offline: busybox from Debian's busybox-static (scripts/busybox-image.sh, umoci), a
 * multi-layer image on top of it, and the archive forms skopeo writes.
 */
public final class OciImages {
    static final Path SCRIPT = HydraDaemonProcess.REPO.resolve("scripts/busybox-image.sh");

    private OciImages() {
    }

    /** A busybox layout at {@code layout} with {@code tag}. */
    public static Path busybox(Path layout, String tag) throws Exception {
        run(List.of(SCRIPT.toString(), layout.toString(), tag));
        return layout;
    }

    /**
     * Adds {@code tag} to a busybox layout: busybox's layer, then one adding {@code /data/keep}, {@code /data/gone}
     * and {@code /dir/old}, then one deleting {@code /data/gone} (a whiteout) and replacing {@code /dir} by a new
     * directory holding only {@code new} (umoci writes it as whiteouts of what it held).
     */
    static Path multiLayer(Path layout, String base, String tag, Path scratch) throws Exception {
        Path bundle = scratch.resolve("bundle-" + tag);
        run(List.of("umoci", "unpack", "--image", layout + ":" + base, bundle.toString()));
        Path rootfs = bundle.resolve("rootfs");
        Files.createDirectories(rootfs.resolve("data"));
        Files.createDirectories(rootfs.resolve("dir"));
        Files.writeString(rootfs.resolve("data/keep"), "kept\n");
        Files.writeString(rootfs.resolve("data/gone"), "deleted later\n");
        Files.writeString(rootfs.resolve("dir/old"), "replaced later\n");
        run(List.of("umoci", "repack", "--image", layout + ":" + tag, bundle.toString()));
        run(List.of("rm", "-rf", bundle.toString()));
        run(List.of("umoci", "unpack", "--image", layout + ":" + tag, bundle.toString()));
        Files.delete(rootfs.resolve("data/gone"));
        run(List.of("rm", "-rf", rootfs.resolve("dir").toString()));
        Files.createDirectories(rootfs.resolve("dir"));
        Files.writeString(rootfs.resolve("dir/new"), "new\n");
        run(List.of("umoci", "repack", "--image", layout + ":" + tag, bundle.toString()));
        run(List.of("rm", "-rf", bundle.toString()));
        return layout;
    }

    /** The manifest of a tag in a layout. */
    static JsonNode manifest(Path layout, String tag) throws IOException {
        for (JsonNode m : HydraDaemonProcess.JSON.readTree(layout.resolve("index.json").toFile()).get("manifests")) {
            if (tag.equals(m.path("annotations").path("org.opencontainers.image.ref.name").asText())) {
                return ((com.fasterxml.jackson.databind.node.ObjectNode) HydraDaemonProcess.JSON.readTree(
                        blob(layout, m.get("digest").asText()).toFile())).put("digest", m.get("digest").asText());
            }
        }
        throw new AssertionError("no tag " + tag + " in " + layout);
    }

    static Path blob(Path layout, String digest) {
        return layout.resolve("blobs/sha256").resolve(digest.substring("sha256:".length()));
    }

    /** skopeo copy oci:LAYOUT:TAG to another transport (oci-archive:FILE, docker-archive:FILE:NAME:TAG). */
    static void copy(Path layout, String tag, String destination) throws Exception {
        run(List.of("skopeo", "copy", "--quiet", "oci:" + layout + ":" + tag, destination));
    }

    static String run(List<String> cmd) throws Exception {
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!p.waitFor(120, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new AssertionError(String.join(" ", cmd) + " did not finish");
        }
        if (p.exitValue() != 0) {
            throw new AssertionError(String.join(" ", cmd) + " exited " + p.exitValue() + ": " + out);
        }
        return out;
    }
}
