package io.hydra.it.cluster;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;

/** A root filesystem from Debian's busybox-static, at the same path for every node (they share this machine). */
final class BusyboxRootfs {
    private BusyboxRootfs() {
    }

    static Path create(Path dir) throws IOException, InterruptedException {
        Path busybox = Path.of("/bin/busybox");
        if (!Files.isExecutable(busybox)) {
            throw new IllegalStateException("/bin/busybox is missing: run scripts/setup-host.sh (busybox-static)");
        }
        Path bin = dir.resolve("bin");
        Files.createDirectories(bin);
        Files.createDirectories(dir.resolve("tmp"));
        Files.createDirectories(dir.resolve("proc"));
        Files.copy(busybox, bin.resolve("busybox"), StandardCopyOption.REPLACE_EXISTING);
        for (String applet : Shell.must(busybox.toString(), "--list").split("\n")) {
            if (!applet.isBlank() && !applet.equals("busybox")) {
                Files.createSymbolicLink(bin.resolve(applet.trim()), Path.of("busybox"));
            }
        }
        return dir;
    }
}
