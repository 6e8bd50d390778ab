package io.hydra.runtime.api;

import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.function.Function;

import io.grpc.stub.ServerCallStreamObserver;
import io.grpc.stub.StreamObserver;
import io.hydra.api.v1.Empty;
import io.hydra.api.v1.Image;
import io.hydra.api.v1.ImageList;
import io.hydra.api.v1.ImageProgress;
import io.hydra.api.v1.ImageSummary;
import io.hydra.api.v1.ImagesGrpc;
import io.hydra.api.v1.ImportRequest;
import io.hydra.api.v1.PullRequest;
import io.hydra.api.v1.RemoveImageRequest;
import io.hydra.api.v1.RemoveImageResponse;
import io.hydra.runtime.HydraException;
import io.hydra.runtime.image.ImageService;
import io.hydra.runtime.image.PullSummary;
import io.hydra.runtime.image.StoredImage;

/** The Images gRPC service; when the blob store could not be opened, every call says why. */
public final class ImagesApi extends ImagesGrpc.ImagesImplBase {
    private final ImageService images;
    private final String unavailable;
    private final ExecutorService streams;

    /** @param unavailable why images cannot work on this node, or null when they can */
    public ImagesApi(ImageService images, String unavailable, ExecutorService streams) {
        this.images = images;
        this.unavailable = unavailable;
        this.streams = streams;
    }

    private ImageService images() {
        if (images == null) {
            throw HydraException.failed("images are unavailable on this node: " + unavailable);
        }
        return images;
    }

    @Override
    public void pull(PullRequest req, StreamObserver<ImageProgress> observer) {
        boolean tlsVerify = !req.hasTlsVerify() || req.getTlsVerify();
        stream(observer, progress -> List.of(images().pull(req.getRef(), tlsVerify, progress)));
    }

    @Override
    public void import_(ImportRequest req, StreamObserver<ImageProgress> observer) {
        stream(observer, progress -> {
            if (req.getPath().isEmpty() || !req.getPath().startsWith("/")) {
                throw HydraException.invalid("image import needs an absolute path on the daemon's host, got '"
                        + req.getPath() + "'");
            }
            return images().importImages(Path.of(req.getPath()), progress);
        });
    }

    @Override
    public void list(Empty req, StreamObserver<ImageList> observer) {
        GrpcErrors.unary(observer, () -> {
            ImageList.Builder b = ImageList.newBuilder();
            for (StoredImage i : images().list()) {
                b.addImages(Image.newBuilder().setRef(i.ref() == null ? "" : i.ref()).setDigest(i.manifestDigest())
                        .setSize(i.size()).setCreatedAt(i.createdAt().toString()).setLayers(i.layers().size())
                        .setConfigDigest(i.configDigest()));
            }
            return b.build();
        });
    }

    @Override
    public void remove(RemoveImageRequest req, StreamObserver<RemoveImageResponse> observer) {
        GrpcErrors.unary(observer, () -> {
            ImageService.Removed r = images().remove(req.getRef(), req.getForce());
            return RemoveImageResponse.newBuilder().setRef(r.ref()).setDigest(r.manifestDigest())
                    .setBlobsDeleted(r.blobsDeleted()).setKeptForContainers(r.keptForContainers()).build();
        });
    }

    /** Runs a pull or import off the gRPC thread; progress a slow client cannot take now is skipped, not queued. */
    private void stream(StreamObserver<ImageProgress> observer,
                        Function<io.hydra.runtime.image.ImageProgress, List<PullSummary>> operation) {
        ServerCallStreamObserver<ImageProgress> call = (ServerCallStreamObserver<ImageProgress>) observer;
        streams.execute(() -> {
            long[] lastSent = {0};
            io.hydra.runtime.image.ImageProgress progress = (phase, done, total) -> {
                long now = System.nanoTime();
                if (now - lastSent[0] < 100_000_000L) {
                    return;
                }
                synchronized (call) {
                    if (!call.isCancelled() && call.isReady()) {
                        lastSent[0] = now;
                        call.onNext(ImageProgress.newBuilder().setPhase(phase).setDone(done).setTotal(total).build());
                    }
                }
            };
            try {
                List<PullSummary> summaries = operation.apply(progress);
                ImageProgress.Builder last = ImageProgress.newBuilder().setPhase("done").setFinished(true);
                for (PullSummary s : summaries) {
                    last.addSummaries(ImageSummary.newBuilder().setRef(s.ref()).setDigest(s.manifestDigest())
                            .setLayers(s.layers()).setBytesFetched(s.bytesFetched()).setBytesPresent(s.bytesPresent())
                            .setSize(s.size()).setDurationMs(s.duration().toMillis()));
                }
                synchronized (call) {
                    call.onNext(last.build());
                    call.onCompleted();
                }
            } catch (RuntimeException e) {
                synchronized (call) {
                    if (!call.isCancelled()) {
                        call.onError(GrpcErrors.toStatus(e));
                    }
                }
            }
        });
    }
}
