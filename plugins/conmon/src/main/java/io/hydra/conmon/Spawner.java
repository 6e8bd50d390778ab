package io.hydra.conmon;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import jnr.ffi.Memory;
import jnr.ffi.Pointer;
import jnr.ffi.byref.IntByReference;

/**
 * Starts a program with chosen descriptors mapped to 3, 4, ... and every other descriptor of this JVM closed, in a
 * new session, with default signal dispositions: what a long-lived monitor must not inherit from the daemon (its
 * lock file, its sockets, its terminal's signals).
 */
final class Spawner {
    private static final LibC C = LibC.INSTANCE;

    private Spawner() {
    }

    /**
     * @param inherited descriptors of this process to hand over, in order, as 3, 4, ... in the child
     * @param workDir   the child's working directory
     * @return the child's pid
     */
    static int spawn(String path, List<String> argv, Map<String, String> env, List<Integer> inherited, String workDir) {
        Pointer actions = Memory.allocateDirect(LibC.RUNTIME, 256);
        Pointer attributes = Memory.allocateDirect(LibC.RUNTIME, 512);
        Pointer sigset = Memory.allocateDirect(LibC.RUNTIME, 128);
        check(C.posix_spawn_file_actions_init(actions), "posix_spawn_file_actions_init");
        check(C.posix_spawnattr_init(attributes), "posix_spawnattr_init");
        try {
            int target = 3;
            for (int fd : inherited) {
                if (fd < 3 + inherited.size()) {
                    // a source that is also a target would be overwritten before its turn
                    throw new IllegalStateException("descriptor " + fd + " collides with a target descriptor");
                }
                check(C.posix_spawn_file_actions_adddup2(actions, fd, target++), "adddup2");
            }
            check(C.posix_spawn_file_actions_addclosefrom_np(actions, target), "addclosefrom_np");
            check(C.posix_spawn_file_actions_addchdir_np(actions, workDir), "addchdir_np");
            check(C.sigemptyset(sigset), "sigemptyset");
            check(C.posix_spawnattr_setsigmask(attributes, sigset), "setsigmask");
            check(C.sigfillset(sigset), "sigfillset");
            check(C.posix_spawnattr_setsigdefault(attributes, sigset), "setsigdefault");
            short flags = (short) (LibC.POSIX_SPAWN_SETSID | LibC.POSIX_SPAWN_SETSIGMASK | LibC.POSIX_SPAWN_SETSIGDEF);
            check(C.posix_spawnattr_setflags(attributes, flags), "setflags");
            IntByReference pid = new IntByReference();
            String[] envp = env.entrySet().stream().map(e -> e.getKey() + "=" + e.getValue()).toArray(String[]::new);
            // the strings must stay reachable until posix_spawn returns: native memory is freed with its Java object
            List<Pointer> keepAlive = new ArrayList<>();
            Pointer argvPointer = cStrings(argv.toArray(String[]::new), keepAlive);
            Pointer envPointer = cStrings(envp, keepAlive);
            int rc = C.posix_spawn(pid, path, actions, attributes, argvPointer, envPointer);
            keepAlive.clear();
            if (rc != 0) {
                throw new IllegalStateException("cannot start " + path + ": errno " + rc);
            }
            return pid.intValue();
        } finally {
            C.posix_spawnattr_destroy(attributes);
            C.posix_spawn_file_actions_destroy(actions);
        }
    }

    private static Pointer cStrings(String[] strings, List<Pointer> keepAlive) {
        int pointerSize = LibC.RUNTIME.addressSize();
        Pointer array = Memory.allocateDirect(LibC.RUNTIME, (long) (strings.length + 1) * pointerSize, true);
        for (int i = 0; i < strings.length; i++) {
            byte[] bytes = strings[i].getBytes(StandardCharsets.UTF_8);
            Pointer s = Memory.allocateDirect(LibC.RUNTIME, bytes.length + 1, true);
            s.put(0, bytes, 0, bytes.length);
            keepAlive.add(s);
            array.putPointer((long) i * pointerSize, s);
        }
        keepAlive.add(array);
        return array;
    }

    private static void check(int rc, String call) {
        if (rc != 0) {
            throw new IllegalStateException(call + " failed: " + rc);
        }
    }
}
