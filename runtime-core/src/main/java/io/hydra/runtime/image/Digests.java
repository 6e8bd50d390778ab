package io.hydra.runtime.image;

import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.regex.Pattern;

import io.hydra.runtime.HydraException;

/** OCI content digests: only {@code sha256:<64 lowercase hex>} is accepted, so a digest is always a safe name. */
public final class Digests {
    private static final Pattern SHA256 = Pattern.compile("sha256:[0-9a-f]{64}");

    private Digests() {
    }

    public static boolean valid(String digest) {
        return digest != null && SHA256.matcher(digest).matches();
    }

    /** @param what names the blob in the error, e.g. "layer 3 of docker.io/library/busybox:latest" */
    public static String check(String digest, String what) {
        if (!valid(digest)) {
            throw HydraException.invalid(what + ": digest '" + digest + "' is not sha256:<64 hex digits>; only"
                    + " sha256 digests are supported");
        }
        return digest;
    }

    /** The hex part of a digest, after checking its form ({@link #check}): it names files and dirs. */
    public static String hexOf(String digest, String what) {
        return hex(check(digest, what));
    }

    public static String hex(String digest) {
        return digest.substring("sha256:".length());
    }

    public static String of(byte[] content) {
        return "sha256:" + HexFormat.of().formatHex(sha256().digest(content));
    }

    /** The digest a finished hash names, {@code sha256:<hex>}. */
    public static String of(MessageDigest sha256) {
        return "sha256:" + HexFormat.of().formatHex(sha256.digest());
    }

    public static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is unavailable", e);
        }
    }
}
