package io.hydra.runtime.image.layer;

import jnr.ffi.LibraryLoader;
import jnr.ffi.Runtime;
import jnr.ffi.annotations.SaveError;

/**
 * The libc calls layers and overlay roots need that the JDK does not offer: device nodes (overlay whiteouts),
 * xattrs without following symlinks, ownership and modes with setuid bits, mount(2), and syncfs before a layer is
 * renamed into place. One call per entry, never a process. Public only because jnr-ffi generates its
 * implementation in another class loader; not an API of this package.
 */
public interface LibC {
    LibC INSTANCE = LibraryLoader.create(LibC.class).load("c");
    Runtime RUNTIME = Runtime.getRuntime(INSTANCE);

    int S_IFCHR = 0020000;
    int S_IFIFO = 0010000;
    int XATTR_CREATE = 1;
    int O_RDONLY = 0;
    int O_DIRECTORY = 0200000;
    int O_CLOEXEC = 02000000;
    int O_NOFOLLOW = 0400000;
    int O_NONBLOCK = 04000;
    int ENODATA = 61;
    int ERANGE = 34;
    int EINVAL = 22;
    int ENOTSUP = 95;
    int AT_FDCWD = -100;
    int AT_SYMLINK_NOFOLLOW = 0x100;

    /** {@code target} as NUL-terminated bytes: symlink(2) stores them exactly, with no path normalisation. */
    @SaveError
    int symlink(byte[] target, String linkPath);

    @SaveError
    int mknod(String path, int mode, long dev);

    @SaveError
    int lchown(String path, int uid, int gid);

    @SaveError
    int chmod(String path, int mode);

    @SaveError
    int lsetxattr(String path, String name, byte[] value, long size, int flags);

    @SaveError
    long lgetxattr(String path, String name, byte[] value, long size);

    @SaveError
    long llistxattr(String path, byte[] list, long size);

    /** {@code times}: atime seconds, nanos, mtime seconds, nanos (two struct timespec). */
    @SaveError
    int utimensat(int dirFd, String path, long[] times, int flags);

    @SaveError
    int mount(String source, String target, String fsType, long flags, String data);

    @SaveError
    int umount2(String target, int flags);

    @SaveError
    int open(String path, int flags);

    @SaveError
    int syncfs(int fd);

    int close(int fd);

    int getpagesize();

    String strerror(int errno);

    static int errno() {
        return RUNTIME.getLastError();
    }

    /** The last call's error as text, for messages: {@code "Operation not permitted (errno 1)"}. */
    static String lastError() {
        int errno = errno();
        return INSTANCE.strerror(errno) + " (errno " + errno + ")";
    }
}
