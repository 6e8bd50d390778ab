package io.hydra.it;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** The busybox rootfs plus Debian's redis-server and every shared library {@code ldd} says it loads. */
public final class RedisRootfs {
    static final Path REDIS = Path.of("/usr/bin/redis-server");
    private static final Pattern LIBRARY = Pattern.compile("(/\\S+) \\(0x");

    private RedisRootfs() {
    }

    public static Path create(Path dir) throws IOException, InterruptedException {
        if (!Files.isExecutable(REDIS)) {
            throw new IllegalStateException(REDIS + " is missing: apt-get install redis-server");
        }
        BusyboxRootfs.create(dir);
        copy(REDIS, dir);
        Matcher m = LIBRARY.matcher(HydraDaemonProcess.sh("ldd", REDIS.toString()));
        int libraries = 0;
        while (m.find()) {
            copy(Path.of(m.group(1)), dir);
            libraries++;
        }
        if (libraries < 2) {
            throw new IllegalStateException("ldd found no libraries of " + REDIS);
        }
        return dir;
    }

    /** Copies the file (its target, when a symlink) to the same path under the rootfs. */
    private static void copy(Path file, Path rootfs) throws IOException {
        Path target = rootfs.resolve(file.toString().substring(1));
        Files.createDirectories(target.getParent());
        Files.copy(file.toRealPath(), target, StandardCopyOption.REPLACE_EXISTING);
        target.toFile().setExecutable(true);
    }
}
