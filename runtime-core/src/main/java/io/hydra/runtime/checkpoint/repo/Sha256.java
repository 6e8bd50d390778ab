package io.hydra.runtime.checkpoint.repo;

import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.regex.Pattern;

/** SHA-256 as this package writes it: lowercase hex, the only form manifests accept. */
final class Sha256 {
    static final int HEX_LENGTH = 64;
    private static final Pattern HEX = Pattern.compile("[0-9a-f]{64}");
    private static final HexFormat HEX_FORMAT = HexFormat.of();

    private Sha256() {
    }

    static MessageDigest newDigest() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            // Every Java platform must provide SHA-256.
            throw new IllegalStateException("SHA-256 is not available", e);
        }
    }

    static String hex(byte[] data, int offset, int length) {
        MessageDigest digest = newDigest();
        digest.update(data, offset, length);
        return HEX_FORMAT.formatHex(digest.digest());
    }

    static String hex(byte[] data) {
        return hex(data, 0, data.length);
    }

    static String hex(MessageDigest digest) {
        return HEX_FORMAT.formatHex(digest.digest());
    }

    static boolean isHex(String value) {
        return value != null && HEX.matcher(value).matches();
    }

    /** The first 12 hex digits and an ellipsis: enough to find the chunk in a manifest, short enough to read. */
    static String abbreviate(String sha256) {
        return sha256.length() > 12 ? sha256.substring(0, 12) + "…" : sha256;
    }
}
