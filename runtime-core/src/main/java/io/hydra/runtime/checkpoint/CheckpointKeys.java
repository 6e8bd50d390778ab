package io.hydra.runtime.checkpoint;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.util.Optional;
import java.util.Set;

import org.jboss.logging.Logger;

import io.hydra.runtime.checkpoint.repo.RepositorySettings;

/**
 * The keys a daemon's checkpoint repository runs with, decided once at start-up, and a description of them for
 * {@code hydra info}. Storage is not trusted, so manifests are signed by default:
 * <ul>
 *   <li>{@code hydra.checkpoint.key=FILE}: that key (at least 16 bytes), on any storage;</li>
 *   <li>no key and {@code fs} storage (one node): a key generated under the daemon's root at first start, 32
 *       random bytes, mode 0600, written atomically;</li>
 *   <li>no key and a shared store: refused, unless {@code hydra.checkpoint.unsigned=true}; every node sharing the
 *       store must hold the same key, which the daemon cannot invent;</li>
 *   <li>{@code hydra.checkpoint.encryption-key=FILE}: exactly 32 bytes, chunks encrypted at rest.</li>
 * </ul>
 * Every problem is an {@link IllegalStateException} naming the setting and the file: the daemon does not start.
 */
public record CheckpointKeys(Optional<byte[]> macKey, Optional<byte[]> encryptionKey, String signing,
                             String encryption, boolean keyGeneratedNow) {
    private static final Logger LOG = Logger.getLogger(CheckpointKeys.class);
    /** Storage that only this node uses; any other is taken as shared between nodes. */
    static final String LOCAL_STORAGE = "fs";
    static final String GENERATED_KEY_FILE = "checkpoint-mac.key";
    static final int GENERATED_KEY_BYTES = 32;
    /** No key file is this large; reading stops here rather than trusting the file's size. */
    private static final int MAX_KEY_FILE_BYTES = 4096;

    public CheckpointKeys {
        macKey = macKey.map(byte[]::clone);
        encryptionKey = encryptionKey.map(byte[]::clone);
    }

    public CheckpointKeys(Optional<byte[]> macKey, Optional<byte[]> encryptionKey, String signing, String encryption) {
        this(macKey, encryptionKey, signing, encryption, false);
    }

    /**
     * @param keyFile           {@code hydra.checkpoint.key}
     * @param unsigned          {@code hydra.checkpoint.unsigned}
     * @param encryptionKeyFile {@code hydra.checkpoint.encryption-key}
     * @param storage           {@code hydra.storage}
     * @param root              the daemon's root, where a generated key lives
     */
    public static CheckpointKeys load(Optional<Path> keyFile, boolean unsigned, Optional<Path> encryptionKeyFile,
                                      String storage, Path root) {
        Optional<byte[]> mac;
        String signing;
        boolean generatedNow = false;
        if (keyFile.isPresent() && unsigned) {
            throw new IllegalStateException("hydra.checkpoint.key and hydra.checkpoint.unsigned=true contradict each"
                    + " other: give one of them");
        }
        if (keyFile.isPresent()) {
            byte[] key = read(keyFile.get(), "hydra.checkpoint.key");
            if (key.length < RepositorySettings.MIN_MAC_KEY_BYTES) {
                throw new IllegalStateException("hydra.checkpoint.key: " + keyFile.get() + " holds " + key.length
                        + " bytes; a manifest MAC key needs at least " + RepositorySettings.MIN_MAC_KEY_BYTES
                        + " (make one with: head -c 32 /dev/urandom > " + keyFile.get() + ")");
            }
            mac = Optional.of(key);
            signing = "hmac-sha256, key " + keyFile.get();
        } else if (unsigned) {
            mac = Optional.empty();
            signing = "unsigned (hydra.checkpoint.unsigned=true): manifests carry no MAC";
            LOG.warnf("checkpoint manifests are not signed (hydra.checkpoint.unsigned=true): anyone who can write"
                    + " to the %s store can plant a version", storage);
        } else if (LOCAL_STORAGE.equals(storage)) {
            Path generated = root.resolve(GENERATED_KEY_FILE);
            // The first start with a generated key (an upgrade, or a new root): the caller signs the store's older
            // unsigned manifests, which only this daemon can have written to its own fs store.
            generatedNow = !Files.exists(generated, LinkOption.NOFOLLOW_LINKS);
            mac = Optional.of(generatedKey(generated));
            signing = "hmac-sha256, key generated at " + generated;
        } else {
            throw new IllegalStateException("hydra.storage=" + storage + " is shared between nodes: set"
                    + " hydra.checkpoint.key to a key file every node holds (at least "
                    + RepositorySettings.MIN_MAC_KEY_BYTES + " bytes), or hydra.checkpoint.unsigned=true to store"
                    + " manifests without a MAC");
        }
        Optional<byte[]> encryption = Optional.empty();
        String encrypting = "off";
        if (encryptionKeyFile.isPresent()) {
            byte[] key = read(encryptionKeyFile.get(), "hydra.checkpoint.encryption-key");
            if (key.length != 32) {
                throw new IllegalStateException("hydra.checkpoint.encryption-key: " + encryptionKeyFile.get()
                        + " holds " + key.length + " bytes; an AES-256 key is exactly 32 (make one with: head -c 32"
                        + " /dev/urandom > " + encryptionKeyFile.get() + ")");
            }
            encryption = Optional.of(key);
            encrypting = "aes-256-gcm, key " + encryptionKeyFile.get();
        }
        return new CheckpointKeys(mac, encryption, signing, encrypting, generatedNow);
    }

    /** These keys applied to repository settings. */
    public RepositorySettings applyTo(RepositorySettings settings) {
        RepositorySettings s = settings;
        if (macKey.isPresent()) {
            s = s.withMacKey(macKey.get());
        }
        if (encryptionKey.isPresent()) {
            s = s.withEncryptionKey(encryptionKey.get());
        }
        return s;
    }

    @Override
    public Optional<byte[]> macKey() {
        return macKey.map(byte[]::clone);
    }

    @Override
    public Optional<byte[]> encryptionKey() {
        return encryptionKey.map(byte[]::clone);
    }

    /** Never prints a key. */
    @Override
    public String toString() {
        return "CheckpointKeys[signing=" + signing + ", encryption=" + encryption + "]";
    }

    private static byte[] read(Path file, String setting) {
        if (!Files.isRegularFile(file)) {
            throw new IllegalStateException(setting + ": " + file + " does not exist or is not a regular file");
        }
        byte[] key;
        try (InputStream in = Files.newInputStream(file)) {
            key = in.readNBytes(MAX_KEY_FILE_BYTES + 1);
        } catch (IOException e) {
            throw new IllegalStateException(setting + ": cannot read " + file + ": " + e.getMessage(), e);
        }
        if (key.length > MAX_KEY_FILE_BYTES) {
            throw new IllegalStateException(setting + ": " + file + " is larger than " + MAX_KEY_FILE_BYTES
                    + " bytes; it is not a key file");
        }
        warnIfReadableByOthers(file, setting);
        return key;
    }

    private static void warnIfReadableByOthers(Path file, String setting) {
        try {
            Set<PosixFilePermission> perms = Files.getPosixFilePermissions(file);
            if (perms.contains(PosixFilePermission.GROUP_READ) || perms.contains(PosixFilePermission.OTHERS_READ)) {
                LOG.warnf("%s: %s is readable by group or others (%s); chmod 600 it", setting, file,
                        PosixFilePermissions.toString(perms));
            }
        } catch (IOException | UnsupportedOperationException ignored) {
            // the key is still usable; the warning is a courtesy
        }
    }

    /** The key under the daemon's root: read when it exists, else made and written atomically. */
    static byte[] generatedKey(Path file) {
        if (Files.exists(file, LinkOption.NOFOLLOW_LINKS)) {
            byte[] key = read(file, "the generated manifest key");
            if (key.length != GENERATED_KEY_BYTES) {
                throw new IllegalStateException("the generated manifest key " + file + " holds " + key.length
                        + " bytes, not " + GENERATED_KEY_BYTES + ": it was damaged. Manifests signed with it cannot be"
                        + " verified without it; restore it from a backup, or remove it to start a new key (older"
                        + " versions will then be refused)");
            }
            return key;
        }
        byte[] key = new byte[GENERATED_KEY_BYTES];
        new SecureRandom().nextBytes(key);
        Path temp = file.resolveSibling(file.getFileName() + ".new");
        try {
            Files.createDirectories(file.getParent());
            Files.deleteIfExists(temp);
            // created 0600 from the first byte: never a moment readable by others
            Files.createFile(temp, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
            try (OutputStream out = Files.newOutputStream(temp, StandardOpenOption.WRITE)) {
                out.write(key);
            }
            try (FileChannel channel = FileChannel.open(temp, StandardOpenOption.WRITE)) {
                channel.force(true);
            }
            Files.move(temp, file, StandardCopyOption.ATOMIC_MOVE);
            try (FileChannel dir = FileChannel.open(file.getParent(), StandardOpenOption.READ)) {
                dir.force(true);
            }
        } catch (IOException e) {
            try {
                Files.deleteIfExists(temp);
            } catch (IOException ignored) {
                // the start-up error below says what failed; a stale temp file is replaced next time
            }
            throw new IllegalStateException("cannot write the generated manifest key " + file + ": " + e.getMessage(),
                    e);
        }
        LOG.infof("generated the checkpoint manifest key %s", file);
        return key;
    }
}
