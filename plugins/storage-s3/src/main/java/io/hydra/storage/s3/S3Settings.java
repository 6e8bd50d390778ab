package io.hydra.storage.s3;

import io.hydra.spi.plugin.PluginContext;
import io.hydra.spi.storage.BlobNames;
import java.io.IOException;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The {@code s3} store's settings, read from {@code hydra.plugin.storage.s3.<key>}. Every problem is an
 * IllegalArgumentException naming the setting.
 *
 * @param prefix       empty, or a valid blob name followed by '/': the store's keys start with it, so several clusters
 *                     can share a bucket
 * @param partSize     objects above this size are uploaded in parts of this size
 * @param createBucket create a missing bucket instead of failing
 */
public record S3Settings(URI endpoint, String region, String bucket, String accessKey, String secretKey,
                         String prefix, long partSize, boolean createBucket) {
    static final String ENDPOINT = "endpoint";
    static final String REGION = "region";
    static final String BUCKET = "bucket";
    static final String ACCESS_KEY = "access-key";
    static final String ACCESS_KEY_FILE = "access-key-file";
    static final String SECRET_KEY = "secret-key";
    static final String SECRET_KEY_FILE = "secret-key-file";
    static final String PREFIX = "prefix";
    static final String PART_SIZE = "part-size";
    static final String CREATE_BUCKET = "create-bucket";
    static final Set<String> KEYS = Set.of(ENDPOINT, REGION, BUCKET, ACCESS_KEY, ACCESS_KEY_FILE, SECRET_KEY,
            SECRET_KEY_FILE, PREFIX, PART_SIZE, CREATE_BUCKET);

    static final String DEFAULT_REGION = "us-east-1";
    static final long MIB = 1024L * 1024;
    static final long DEFAULT_PART_SIZE = 16 * MIB;
    /** S3's own bounds for a part. */
    static final long MIN_PART_SIZE = 5 * MIB;
    static final long MAX_PART_SIZE = 5 * 1024 * MIB;

    // https://docs.aws.amazon.com/AmazonS3/latest/userguide/bucketnamingrules.html (the parts a client can check)
    private static final Pattern BUCKET_NAME = Pattern.compile("[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]");
    private static final Pattern SIZE = Pattern.compile("(\\d+)\\s*([kmg]i?b?|b)?", Pattern.CASE_INSENSITIVE);

    public S3Settings {
        if (!prefix.isEmpty()) {
            BlobNames.validatePrefix(prefix);
            if (!prefix.endsWith("/")) {
                throw new IllegalArgumentException("prefix must end with '/'");
            }
        }
    }

    public static S3Settings from(PluginContext context) {
        Map<String, String> config = context.config();
        for (String key : config.keySet()) {
            if (!KEYS.contains(key)) {
                throw invalid(key, "is unknown; known settings: " + new TreeSet<>(KEYS));
            }
        }
        return new S3Settings(
                endpoint(required(config, ENDPOINT)),
                region(config.getOrDefault(REGION, DEFAULT_REGION)),
                bucket(required(config, BUCKET)),
                secret(config, ACCESS_KEY, ACCESS_KEY_FILE),
                secret(config, SECRET_KEY, SECRET_KEY_FILE),
                prefix(config.getOrDefault(PREFIX, "")),
                partSize(config.getOrDefault(PART_SIZE, String.valueOf(DEFAULT_PART_SIZE))),
                bool(CREATE_BUCKET, config.getOrDefault(CREATE_BUCKET, "false")));
    }

    /** Where the store's objects are, for messages: {@code bucket 'b' at http://host:9000 (prefix 'p/')}. */
    String location() {
        return "bucket '" + bucket + "' at " + endpoint + (prefix.isEmpty() ? "" : " (prefix '" + prefix + "')");
    }

    /** Never shows the secret key. */
    @Override
    public String toString() {
        return "S3Settings[endpoint=" + endpoint + ", region=" + region + ", bucket=" + bucket + ", accessKey="
                + accessKey + ", secretKey=***, prefix=" + prefix + ", partSize=" + partSize + ", createBucket="
                + createBucket + "]";
    }

    static String property(String key) {
        return "hydra.plugin.storage.s3." + key;
    }

    private static IllegalArgumentException invalid(String key, String problem) {
        return new IllegalArgumentException("storage 's3': setting '" + key + "' (" + property(key) + ") " + problem);
    }

    private static String required(Map<String, String> config, String key) {
        String value = config.get(key);
        if (value == null || value.isBlank()) {
            throw invalid(key, "is required");
        }
        return value.strip();
    }

    private static URI endpoint(String value) {
        URI uri;
        try {
            uri = new URI(value);
        } catch (URISyntaxException e) {
            throw invalid(ENDPOINT, "is not a URL: " + e.getMessage());
        }
        String scheme = Optional.ofNullable(uri.getScheme()).orElse("").toLowerCase(Locale.ROOT);
        if (!scheme.equals("http") && !scheme.equals("https") || uri.getHost() == null) {
            throw invalid(ENDPOINT, "must be an http:// or https:// URL with a host, not '" + value + "'");
        }
        if (uri.getUserInfo() != null || uri.getQuery() != null || uri.getFragment() != null
                || !(uri.getPath() == null || uri.getPath().isEmpty() || uri.getPath().equals("/"))) {
            throw invalid(ENDPOINT, "must be scheme://host[:port] only (the bucket is a setting of its own), not '"
                    + value + "'");
        }
        return URI.create(scheme + "://" + uri.getRawAuthority());
    }

    private static String region(String value) {
        if (value.isBlank() || !value.strip().matches("[a-z0-9-]+")) {
            throw invalid(REGION, "must be a region name such as us-east-1, not '" + value + "'");
        }
        return value.strip();
    }

    private static String bucket(String value) {
        if (!BUCKET_NAME.matcher(value).matches() || value.contains("..")) {
            throw invalid(BUCKET, "must be a valid S3 bucket name (3 to 63 of a-z, 0-9, '.', '-'), not '" + value
                    + "'");
        }
        return value;
    }

    /** {@code KEY} or {@code KEY-file} (a file holding the value, so it stays out of the configuration), not both. */
    private static String secret(Map<String, String> config, String key, String fileKey) {
        String inline = config.get(key);
        String file = config.get(fileKey);
        if (inline != null && file != null) {
            throw invalid(key, "and '" + fileKey + "' are both set; set one");
        }
        if (file != null) {
            return readSecretFile(fileKey, file);
        }
        if (inline == null || inline.isBlank()) {
            throw invalid(key, "is required (or '" + fileKey + "', a file holding it)");
        }
        return inline.strip();
    }

    private static String readSecretFile(String fileKey, String file) {
        String value;
        try {
            value = Files.readString(Path.of(file), StandardCharsets.UTF_8).strip();
        } catch (IOException | InvalidPathException e) {
            throw invalid(fileKey, "names a file that cannot be read: " + e);
        }
        if (value.isEmpty()) {
            throw invalid(fileKey, "names an empty file: " + file);
        }
        return value;
    }

    private static String prefix(String value) {
        String trimmed = value.strip();
        while (trimmed.endsWith("/")) {
            trimmed = trimmed.substring(0, trimmed.length() - 1);
        }
        if (trimmed.isEmpty()) {
            return "";
        }
        try {
            BlobNames.validate(trimmed);
        } catch (IllegalArgumentException e) {
            throw invalid(PREFIX, "is invalid: " + e.getMessage());
        }
        return trimmed + "/";
    }

    /** Bytes, or with a unit: 16MiB, 16M, 16m, 5GiB, 8192KiB (all powers of 1024). */
    static long partSize(String value) {
        Matcher m = SIZE.matcher(value.strip());
        if (!m.matches()) {
            throw invalid(PART_SIZE, "must be a size such as 16MiB or 16777216, not '" + value + "'");
        }
        long size;
        try {
            size = Math.multiplyExact(Long.parseLong(m.group(1)), unit(m.group(2)));
        } catch (ArithmeticException | NumberFormatException e) {
            throw invalid(PART_SIZE, "is too large: '" + value + "'");
        }
        if (size < MIN_PART_SIZE || size > MAX_PART_SIZE) {
            throw invalid(PART_SIZE, "must be between 5MiB and 5GiB (S3's part limits), not '" + value + "'");
        }
        return size;
    }

    private static long unit(String suffix) {
        if (suffix == null || suffix.equalsIgnoreCase("b")) {
            return 1;
        }
        return switch (Character.toLowerCase(suffix.charAt(0))) {
            case 'k' -> 1024L;
            case 'm' -> MIB;
            default -> 1024 * MIB;
        };
    }

    private static boolean bool(String key, String value) {
        return switch (value.strip().toLowerCase(Locale.ROOT)) {
            case "true" -> true;
            case "false" -> false;
            default -> throw invalid(key, "must be true or false, not '" + value + "'");
        };
    }
}
