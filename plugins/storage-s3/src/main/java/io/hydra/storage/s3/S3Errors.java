package io.hydra.storage.s3;

import io.minio.errors.ErrorResponseException;
import io.minio.errors.MinioException;
import java.io.IOException;
import java.util.Set;

/** Turns minio-java's exceptions into IOExceptions whose message says what went wrong, where. */
final class S3Errors {
    /** Codes meaning the credentials (or what they may do) are wrong: asking again will not help. */
    private static final Set<String> CREDENTIAL_CODES = Set.of("SignatureDoesNotMatch", "InvalidAccessKeyId",
            "AccessDenied", "InvalidToken", "ExpiredToken", "TokenRefreshRequired", "AuthorizationHeaderMalformed",
            "InvalidSecurity", "AllAccessDisabled", "AccountProblem", "RequestTimeTooSkewed");

    private final S3Settings settings;

    S3Errors(S3Settings settings) {
        this.settings = settings;
    }

    static String code(Throwable e) {
        return e instanceof ErrorResponseException response ? response.errorResponse().code() : null;
    }

    static boolean hasCode(Throwable e, String... codes) {
        String code = code(e);
        return code != null && Set.of(codes).contains(code);
    }

    /** {@code operation} says what was being done, e.g. "PUT of 'ckpt/1' (key 'p/ckpt/1')". */
    IOException translate(String operation, Throwable e) {
        if (e instanceof ErrorResponseException response) {
            String code = response.errorResponse().code();
            int status = response.response() == null ? 0 : response.response().code();
            String detail = code + (response.errorResponse().message() == null ? ""
                    : " (" + response.errorResponse().message() + ")");
            if (CREDENTIAL_CODES.contains(code) || status == 401 || status == 403) {
                return new IOException("S3 refused the credentials for bucket '" + settings.bucket() + "' at "
                        + settings.endpoint() + ": " + detail + " [" + operation + "]", e);
            }
            if ("NoSuchBucket".equals(code)) {
                return new IOException("S3 bucket '" + settings.bucket() + "' does not exist at "
                        + settings.endpoint() + " [" + operation + "]", e);
            }
            return new IOException("S3 " + operation + " in " + settings.location() + " failed: HTTP " + status + " "
                    + detail, e);
        }
        IOException io = ioCause(e);
        if (io != null) {
            return new IOException("S3 " + operation + " in " + settings.location() + " failed: " + io.getMessage(),
                    io);
        }
        return new IOException("S3 " + operation + " in " + settings.location() + " failed: " + e, e);
    }

    /** A call to minio-java, which reports I/O failures as IllegalStateExceptions around them. */
    @FunctionalInterface
    interface S3Call<T> {
        T run() throws MinioException;
    }

    /** Runs the call, turning minio-java's wrapped I/O failures back into IOExceptions. */
    static <T> T call(S3Call<T> call) throws MinioException, IOException {
        try {
            return call.run();
        } catch (IllegalStateException e) {
            IOException io = ioCause(e);
            if (io == null) {
                throw e;
            }
            throw io;
        }
    }

    static IOException ioCause(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof IOException io) {
                return io;
            }
        }
        return null;
    }
}
