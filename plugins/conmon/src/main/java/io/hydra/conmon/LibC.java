package io.hydra.conmon;

import jnr.ffi.LibraryLoader;
import jnr.ffi.Pointer;
import jnr.ffi.Runtime;
import jnr.ffi.annotations.SaveError;
import jnr.ffi.byref.IntByReference;

/**
 * The few libc calls the JDK does not offer: posix_spawn with file actions that close every inherited descriptor
 * (glibc's closefrom action) and a new session, pidfds, and waitpid on a single child.
 */
public interface LibC {
    LibC INSTANCE = LibraryLoader.create(LibC.class).load("c");
    Runtime RUNTIME = Runtime.getRuntime(INSTANCE);

    int POSIX_SPAWN_SETSIGDEF = 0x04;
    int POSIX_SPAWN_SETSIGMASK = 0x08;
    int POSIX_SPAWN_SETSID = 0x80;
    int O_CLOEXEC = 0x80000;
    int WNOHANG = 1;
    int POLLIN = 1;
    long SYS_PIDFD_OPEN = 434;
    int EINTR = 4;
    int ECHILD = 10;

    int posix_spawn_file_actions_init(Pointer actions);

    int posix_spawn_file_actions_destroy(Pointer actions);

    int posix_spawn_file_actions_adddup2(Pointer actions, int fd, int newFd);

    int posix_spawn_file_actions_addclosefrom_np(Pointer actions, int from);

    int posix_spawn_file_actions_addchdir_np(Pointer actions, String path);

    int posix_spawnattr_init(Pointer attributes);

    int posix_spawnattr_destroy(Pointer attributes);

    int posix_spawnattr_setflags(Pointer attributes, short flags);

    int posix_spawnattr_setsigmask(Pointer attributes, Pointer sigset);

    int posix_spawnattr_setsigdefault(Pointer attributes, Pointer sigset);

    int sigemptyset(Pointer sigset);

    int sigfillset(Pointer sigset);

    int posix_spawn(IntByReference pid, String path, Pointer actions, Pointer attributes, Pointer argv, Pointer envp);

    @SaveError
    int pipe2(int[] fds, int flags);

    int close(int fd);

    @SaveError
    long read(int fd, byte[] buffer, long count);

    @SaveError
    int waitpid(int pid, IntByReference status, int options);

    @SaveError
    int poll(Pointer fds, long count, int timeoutMillis);

    @SaveError
    long syscall(long number, long a, long b);

    @SaveError
    int eventfd(int initval, int flags);

    @SaveError
    long write(int fd, byte[] buffer, long count);

    @SaveError
    int open(String path, int flags);

    @SaveError
    int socket(int domain, int type, int protocol);

    @SaveError
    int connect(int fd, Pointer address, int length);

    int shutdown(int fd, int how);

    static int errno() {
        return RUNTIME.getLastError();
    }
}
