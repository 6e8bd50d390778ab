package io.hydra.runtime.checkpoint;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;

/** The least rootfs a stored config can be checked against: a directory with an executable /bin/sh. */
final class RootfsFixture {
    private RootfsFixture() {
    }

    static Path withShell(Path rootfs) throws IOException {
        Files.createDirectories(rootfs.resolve("bin"));
        Files.createFile(rootfs.resolve("bin/sh"),
                PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwxr-xr-x")));
        return rootfs;
    }
}
