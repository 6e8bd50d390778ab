package io.hydra.storage.s3;

import io.minio.MinioAsyncClient;
import io.minio.MinioClient;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import okhttp3.Dispatcher;
import okhttp3.OkHttpClient;
import okhttp3.Protocol;

/** The minio-java clients of one store, sharing one HTTP client with bounded timeouts and bounded retries. */
final class S3Clients implements AutoCloseable {
    static final Duration CONNECT_TIMEOUT = Duration.ofSeconds(5);
    static final Duration READ_WRITE_TIMEOUT = Duration.ofSeconds(30);
    static final int ATTEMPTS = 3;
    static final Duration FIRST_RETRY_DELAY = Duration.ofMillis(200);
    static final Duration MAX_RETRY_DELAY = Duration.ofSeconds(2);
    /** okhttp allows 5 concurrent calls per host by default, which would serialize the daemon's parallel uploads. */
    private static final int MAX_CONCURRENT_REQUESTS = 64;

    private final OkHttpClient http;
    final MinioClient sync;
    final MinioAsyncClient async;

    S3Clients(S3Settings settings) {
        Dispatcher dispatcher = new Dispatcher();
        dispatcher.setMaxRequests(MAX_CONCURRENT_REQUESTS);
        dispatcher.setMaxRequestsPerHost(MAX_CONCURRENT_REQUESTS);
        this.http = new OkHttpClient.Builder()
                .dispatcher(dispatcher)
                .connectTimeout(CONNECT_TIMEOUT)
                .readTimeout(READ_WRITE_TIMEOUT)
                .writeTimeout(READ_WRITE_TIMEOUT)
                // minio-java's default; S3 services speak HTTP/1.1
                .protocols(java.util.List.of(Protocol.HTTP_1_1))
                .addInterceptor(new TransientRetryInterceptor(ATTEMPTS, FIRST_RETRY_DELAY, MAX_RETRY_DELAY))
                .build();
        String endpoint = settings.endpoint().toString();
        // a region given up front saves a GetBucketLocation round trip before the first request
        this.sync = MinioClient.builder().endpoint(endpoint).region(settings.region())
                .credentials(settings.accessKey(), settings.secretKey()).httpClient(http, false).build();
        this.async = MinioAsyncClient.builder().endpoint(endpoint).region(settings.region())
                .credentials(settings.accessKey(), settings.secretKey()).httpClient(http, false).build();
    }

    @Override
    public void close() {
        http.dispatcher().executorService().shutdown();
        http.connectionPool().evictAll();
        try {
            http.dispatcher().executorService().awaitTermination(1, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
