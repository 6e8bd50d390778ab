package io.hydra.it;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;

/** A complete root filesystem from Debian's busybox-static: one binary, an applet link for each command. */
public final class BusyboxRootfs {
    private BusyboxRootfs() {
    }

    public static Path create(Path dir) throws IOException, InterruptedException {
        Path busybox = Path.of("/bin/busybox");
        if (!Files.isExecutable(busybox)) {
            throw new IllegalStateException("/bin/busybox is missing: run scripts/setup-host.sh (busybox-static)");
        }
        Path bin = dir.resolve("bin");
        Files.createDirectories(bin);
        Files.createDirectories(dir.resolve("tmp"));
        // the mount point of the container's /proc
        Files.createDirectories(dir.resolve("proc"));
        Files.copy(busybox, bin.resolve("busybox"), StandardCopyOption.REPLACE_EXISTING);
        for (String applet : HydraDaemonProcess.sh(busybox.toString(), "--list").split("\n")) {
            if (!applet.isBlank() && !applet.equals("busybox")) {
                // relative links: the rootfs must work when it is "/"
                Files.createSymbolicLink(bin.resolve(applet.trim()), Path.of("busybox"));
            }
        }
        return dir;
    }
}
