package io.hydra.storage.s3;

import io.hydra.spi.storage.BlobInfo;
import io.hydra.spi.storage.BlobNames;
import io.hydra.spi.storage.BlobStore;
import io.hydra.spi.storage.BoundedInputStream;
import io.minio.GetObjectArgs;
import io.minio.ListObjectsArgs;
import io.minio.MakeBucketArgs;
import io.minio.PutObjectArgs;
import io.minio.RemoveObjectArgs;
import io.minio.Result;
import io.minio.StatObjectArgs;
import io.minio.StatObjectResponse;
import io.minio.errors.MinioException;
import io.minio.messages.Item;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.NoSuchFileException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.Iterator;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * Blobs as objects in an S3 bucket, blob {@code a/b} under key {@code PREFIX a/b}.
 *
 * <p>A put is one PutObject, or above the part size a multipart upload; either way S3 makes the object visible whole or
 * not at all, and an upload that fails is aborted. A conditional put ({@code ifAbsent}) first asks whether the key
 * exists, to save uploading bytes that are already there, then writes with {@code If-None-Match: *}: of concurrent
 * conditional puts S3 lets exactly one create the object and answers the others 412, which becomes {@code false}.
 * S3 and S3Proxy 4.1 honour that header; a service that ignores it would let a racing put replace the object.
 *
 * <p>Each HTTP request is retried on transient failures ({@link TransientRetryInterceptor}); credential and other
 * client errors fail at once with an IOException naming the bucket and endpoint.
 */
public final class S3BlobStore implements BlobStore {
    static final String CONTENT_TYPE = "application/octet-stream";
    /** S3 allows 10,000 parts; larger blobs get larger parts. */
    private static final long MAX_PARTS = 10_000;

    private final S3Settings settings;
    private final S3Clients clients;
    private final S3Errors errors;
    private final ConditionalMultipartUpload conditionalMultipart;

    /** Makes no request: see {@link #checkBucket()}. */
    public S3BlobStore(S3Settings settings) {
        this.settings = settings;
        this.clients = new S3Clients(settings);
        this.errors = new S3Errors(settings);
        this.conditionalMultipart = new ConditionalMultipartUpload(clients.async, settings.bucket());
    }

    @Override
    public String name() {
        return S3BlobStoreFactory.NAME;
    }

    public S3Settings settings() {
        return settings;
    }

    /**
     * Checks that the bucket exists and the credentials may list it, creating it when {@code create-bucket} is set.
     * One listing request answers both questions (a HEAD answers a bad signature with a bare 403, no error code).
     */
    public void checkBucket() throws IOException {
        try {
            S3Errors.call(() -> {
                Iterator<Result<Item>> first = clients.sync.listObjects(ListObjectsArgs.builder()
                        .bucket(settings.bucket()).prefix(settings.prefix()).maxKeys(1).build()).iterator();
                return first.hasNext() ? first.next().get() : null;
            });
        } catch (MinioException | IOException e) {
            if (!S3Errors.hasCode(e, "NoSuchBucket")) {
                throw errors.translate("listing", e);
            }
            if (!settings.createBucket()) {
                throw new IOException("S3 bucket '" + settings.bucket() + "' does not exist at " + settings.endpoint()
                        + "; create it, or set " + S3Settings.property(S3Settings.CREATE_BUCKET) + "=true", e);
            }
            createBucket();
        }
    }

    @Override
    public boolean put(String blobName, InputStream content, long length, boolean ifAbsent) throws IOException {
        String key = key(blobName);
        Objects.requireNonNull(content, "content");
        if (length < 0) {
            throw new IllegalArgumentException("blob '" + blobName + "': negative length " + length);
        }
        // saves uploading what is already there; the conditional write below decides races
        if (ifAbsent && statKey(blobName, key).isPresent()) {
            return false;
        }
        ExactLengthInputStream exact = new ExactLengthInputStream(content, length, blobName);
        long partSize = partSize(length);
        try {
            if (ifAbsent && length > partSize) {
                return conditionalMultipart.upload(key, exact, length, partSize);
            }
            PutObjectArgs.Builder args = PutObjectArgs.builder().bucket(settings.bucket()).object(key)
                    .stream(exact, length, partSize).contentType(CONTENT_TYPE)
                    .maxRetries(1); // the HTTP client retries transient failures already
            if (ifAbsent) {
                args.extraHeaders(ConditionalMultipartUpload.IF_NONE_MATCH_ANY);
            }
            S3Errors.call(() -> clients.sync.putObject(args.build()));
            return true;
        } catch (MinioException | IOException | RuntimeException e) {
            if (exact.failure() != null) {
                // the caller's stream was short, long or broken: that is the error, not how minio wrapped it
                throw exact.failure();
            }
            if (ifAbsent && S3Errors.hasCode(e, "PreconditionFailed")) {
                return false;
            }
            if (e instanceof RuntimeException runtime) {
                throw runtime;
            }
            throw errors.translate(describe("PUT", blobName, key), e);
        }
    }

    @Override
    public InputStream get(String blobName) throws IOException {
        String key = key(blobName);
        try {
            return S3Errors.call(() -> clients.sync.getObject(GetObjectArgs.builder()
                    .bucket(settings.bucket()).object(key).build()));
        } catch (MinioException | IOException e) {
            if (S3Errors.hasCode(e, "NoSuchKey")) {
                throw new NoSuchFileException(blobName);
            }
            throw errors.translate(describe("GET", blobName, key), e);
        }
    }

    /**
     * One GET with a {@code Range} header: S3 sends only those bytes. The answer is still bounded here, so a server
     * that ignored the range could never make the caller read past it.
     */
    @Override
    public InputStream get(String blobName, long offset, long length) throws IOException {
        String key = key(blobName);
        BlobStore.checkRange(offset, length);
        if (length == 0) {
            // S3 has no empty range; the blob must still exist.
            if (statKey(blobName, key).isEmpty()) {
                throw new NoSuchFileException(blobName);
            }
            return InputStream.nullInputStream();
        }
        try {
            InputStream body = S3Errors.call(() -> clients.sync.getObject(GetObjectArgs.builder()
                    .bucket(settings.bucket()).object(key).offset(offset).length(length).build()));
            return new BoundedInputStream(body, length);
        } catch (MinioException | IOException e) {
            if (S3Errors.hasCode(e, "NoSuchKey")) {
                throw new NoSuchFileException(blobName);
            }
            if (S3Errors.hasCode(e, "InvalidRange")) {
                EOFException eof = new EOFException("blob " + blobName + ": a read from offset " + offset
                        + " is past its end");
                eof.initCause(e);
                throw eof;
            }
            throw errors.translate(describe("ranged GET", blobName, key), e);
        }
    }

    @Override
    public Optional<BlobInfo> stat(String blobName) throws IOException {
        return statKey(blobName, key(blobName));
    }

    @Override
    public List<BlobInfo> list(String prefix) throws IOException {
        List<BlobInfo> blobs = new ArrayList<>();
        forEach(prefix, blobs::add);
        // S3 sorts keys by UTF-8 bytes; valid names are ASCII, where that is String order too, but say it here
        blobs.sort(Comparator.comparing(BlobInfo::name));
        return blobs;
    }

    /** Pages through the listing (a thousand keys a request) and hands each key over as its page arrives. */
    @Override
    public void forEach(String prefix, BlobVisitor visitor) throws IOException {
        String keyPrefix = settings.prefix() + BlobNames.validatePrefix(prefix);
        Objects.requireNonNull(visitor, "visitor");
        try {
            Iterator<Result<Item>> results = clients.sync.listObjects(ListObjectsArgs.builder()
                    .bucket(settings.bucket()).prefix(keyPrefix).recursive(true).build()).iterator();
            // the iterator fetches pages as it goes, so hasNext() makes requests too
            while (S3Errors.call(results::hasNext)) {
                Item item = S3Errors.call(() -> results.next().get());
                String name = item.objectName().substring(settings.prefix().length());
                // objects put there by other tools may have names this store could not address: skip them
                if (!item.isDir() && isValidName(name)) {
                    BlobInfo blob = new BlobInfo(name, item.size(), item.lastModified().toInstant());
                    try {
                        visitor.visit(blob);
                    } catch (IOException e) {
                        throw new VisitorFailed(e);
                    }
                }
            }
        } catch (VisitorFailed e) {
            throw e.failure; // the caller's own error, not a listing error
        } catch (MinioException | IOException e) {
            throw errors.translate("LIST of prefix '" + prefix + "' (keys '" + keyPrefix + "')", e);
        }
    }

    /** Carries a visitor's IOException past the listing's own error handling. */
    private static final class VisitorFailed extends RuntimeException {
        final IOException failure;

        VisitorFailed(IOException failure) {
            super(failure);
            this.failure = failure;
        }
    }

    @Override
    public void delete(String blobName) throws IOException {
        String key = key(blobName);
        try {
            S3Errors.call(() -> {
                clients.sync.removeObject(RemoveObjectArgs.builder().bucket(settings.bucket()).object(key).build());
                return null;
            });
        } catch (MinioException | IOException e) {
            if (!S3Errors.hasCode(e, "NoSuchKey")) {
                throw errors.translate(describe("DELETE", blobName, key), e);
            }
        }
    }

    @Override
    public void close() {
        clients.close();
    }

    /** Validates the name before any request, and maps it under the prefix. */
    private String key(String blobName) {
        return settings.prefix() + BlobNames.validate(blobName);
    }

    private Optional<BlobInfo> statKey(String blobName, String key) throws IOException {
        try {
            StatObjectResponse stat = S3Errors.call(() -> clients.sync.statObject(StatObjectArgs.builder()
                    .bucket(settings.bucket()).object(key).build()));
            return Optional.of(new BlobInfo(blobName, stat.size(), stat.lastModified().toInstant()));
        } catch (MinioException | IOException e) {
            // a HEAD answer has no body: minio-java names a 404 NoSuchKey (or NoSuchObject, by service)
            if (S3Errors.hasCode(e, "NoSuchKey", "NoSuchObject", "NotFound")) {
                return Optional.empty();
            }
            throw errors.translate(describe("HEAD", blobName, key), e);
        }
    }

    private void createBucket() throws IOException {
        try {
            S3Errors.call(() -> {
                clients.sync.makeBucket(MakeBucketArgs.builder().bucket(settings.bucket())
                        .region(settings.region()).build());
                return null;
            });
        } catch (MinioException | IOException e) {
            // another node of the cluster may have created it meanwhile
            if (!S3Errors.hasCode(e, "BucketAlreadyOwnedByYou")) {
                throw errors.translate("bucket creation", e);
            }
        }
    }

    /** Parts of the configured size, or larger when the blob would need more than S3's 10,000 parts. */
    private long partSize(long length) {
        long minimum = (length + MAX_PARTS - 1) / MAX_PARTS;
        long mib = S3Settings.MIB;
        return Math.max(settings.partSize(), (minimum + mib - 1) / mib * mib);
    }

    private static String describe(String operation, String blobName, String key) {
        return operation + " of blob '" + blobName + "' (key '" + key + "')";
    }

    private static boolean isValidName(String name) {
        try {
            BlobNames.validate(name);
            return true;
        } catch (IllegalArgumentException e) {
            return false;
        }
    }
}
