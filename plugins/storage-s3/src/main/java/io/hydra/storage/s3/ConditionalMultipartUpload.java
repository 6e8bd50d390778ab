package io.hydra.storage.s3;

import io.minio.AbortMultipartUploadArgs;
import io.minio.ByteBuffer;
import io.minio.Checksum;
import io.minio.CompleteMultipartUploadArgs;
import io.minio.CreateMultipartUploadArgs;
import io.minio.Http;
import io.minio.MinioAsyncClient;
import io.minio.PartReader;
import io.minio.PutObjectArgs;
import io.minio.UploadPartArgs;
import io.minio.errors.MinioException;
import io.minio.messages.Part;
import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;

/**
 * A multipart upload that creates the object only if its key is free: {@code If-None-Match: *} on the
 * CompleteMultipartUpload request, the one multipart request S3 accepts conditions on. minio-java's own putObject
 * would copy the header onto CreateMultipartUpload and every UploadPart too, which AWS documents as not accepting
 * conditional headers. Parts go one at a time, each buffered (part-size bytes) so a retry can send it again.
 */
final class ConditionalMultipartUpload {
    static final Http.Headers IF_NONE_MATCH_ANY = new Http.Headers("If-None-Match", "*");
    private static final Checksum.Algorithm PART_CHECKSUM = Checksum.Algorithm.CRC32C;

    private final MinioAsyncClient client;
    private final String bucket;

    ConditionalMultipartUpload(MinioAsyncClient client, String bucket) {
        this.client = client;
        this.bucket = bucket;
    }

    /**
     * Uploads {@code length} bytes in parts of {@code partSize}.
     *
     * @return false when the key already existed at completion (S3 answered 412); the parts are then discarded
     */
    boolean upload(String key, InputStream content, long length, long partSize) throws MinioException, IOException {
        PutObjectArgs args = PutObjectArgs.builder().bucket(bucket).object(key)
                .stream(content, length, partSize).contentType(S3BlobStore.CONTENT_TYPE).build();
        // SHA-256 gives x-amz-content-sha256 for the signature, on http and https alike
        PartReader reader = new PartReader(content, length, args.partSize(), args.partCount(),
                PART_CHECKSUM, Checksum.Algorithm.SHA256);
        String uploadId = join(client.createMultipartUpload(
                new CreateMultipartUploadArgs(args, args.contentType(), PART_CHECKSUM))).result().uploadId();
        try {
            List<Part> parts = new ArrayList<>();
            try (ByteBuffer buffer = new ByteBuffer(args.partSize())) {
                while (reader.partNumber() < reader.partCount()) {
                    buffer.reset();
                    reader.read(buffer);
                    parts.add(join(client.uploadPart(new UploadPartArgs(args, uploadId, reader.partNumber(), buffer,
                            Checksum.makeHeaders(reader.hashers(), true, false)))).part());
                }
            }
            join(client.completeMultipartUpload(CompleteMultipartUploadArgs.builder()
                    .bucket(bucket).object(key).uploadId(uploadId).parts(parts.toArray(Part[]::new))
                    .extraHeaders(IF_NONE_MATCH_ANY)
                    .maxRetries(1) // the HTTP client retries transient failures already
                    .build()));
            return true;
        } catch (MinioException e) {
            abortQuietly(args, uploadId, e);
            if (S3Errors.hasCode(e, "PreconditionFailed")) {
                return false;
            }
            throw e;
        } catch (IOException | RuntimeException | Error e) {
            abortQuietly(args, uploadId, e);
            throw e;
        }
    }

    /** Uploaded parts cost storage until aborted; a failed abort must not hide why the upload failed. */
    private void abortQuietly(PutObjectArgs args, String uploadId, Throwable failure) {
        try {
            join(client.abortMultipartUpload(new AbortMultipartUploadArgs(args, uploadId)));
        } catch (MinioException | IOException | RuntimeException e) {
            failure.addSuppressed(e);
        }
    }

    private <T> T join(CompletableFuture<T> future) throws MinioException, IOException {
        return S3Errors.call(() -> {
            try {
                return future.join();
            } catch (CompletionException e) {
                client.throwMinioException(e);
                throw e;
            }
        });
    }
}
