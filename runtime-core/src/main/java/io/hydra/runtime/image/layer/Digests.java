package io.hydra.runtime.image.layer;

import io.hydra.runtime.HydraException;

import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.regex.Pattern;

/** OCI digests ({@code sha256:<64 hex>}, {@code sha512:<128 hex>}): parsed strictly, since their hex names dirs. */
final class Digests {
    private static final Pattern SHA256 = Pattern.compile("sha256:[a-f0-9]{64}");
    private static final Pattern SHA512 = Pattern.compile("sha512:[a-f0-9]{128}");

    private Digests() {
    }

    /** A digest's hex part, after checking the whole digest's form; {@code what} says whose digest it is. */
    static String hex(String digest, String what) {
        if (digest == null || !(SHA256.matcher(digest).matches() || SHA512.matcher(digest).matches())) {
            throw HydraException.invalid(what + ": '" + digest + "' is not a sha256 or sha512 digest");
        }
        return digest.substring(digest.indexOf(':') + 1);
    }

    static MessageDigest forDigest(String digest) {
        try {
            return MessageDigest.getInstance(digest.startsWith("sha512:") ? "SHA-512" : "SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    static String format(String digest, MessageDigest md) {
        return digest.substring(0, digest.indexOf(':') + 1) + HexFormat.of().formatHex(md.digest());
    }
}
