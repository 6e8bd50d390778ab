package io.hydra.cli.images;

import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import io.hydra.api.v1.ImageProgress;
import io.hydra.api.v1.ImageSummary;
import io.hydra.cli.Json;
import io.hydra.cli.checkpoints.ByteSize;

/** A pull's or import's progress on a terminal (one line on stderr, rewritten), then a summary per image. */
final class ImageTransfer {
    private final PrintWriter out;
    private final PrintWriter err;
    private final String format;

    ImageTransfer(PrintWriter out, PrintWriter err, String format) {
        this.out = out;
        this.err = err;
        this.format = format;
    }

    int follow(Iterator<ImageProgress> progress, String verb) {
        boolean terminal = System.console() != null && format.equals("text");
        ImageProgress last = null;
        while (progress.hasNext()) {
            last = progress.next();
            if (terminal && !last.getFinished()) {
                err.printf("\r\033[K%-8s %s%s", last.getPhase(), ByteSize.format(last.getDone()),
                        last.getTotal() > 0 ? " / " + ByteSize.format(last.getTotal()) : "");
                err.flush();
            }
        }
        if (terminal) {
            err.print("\r\033[K");
            err.flush();
        }
        if (last == null || !last.getFinished()) {
            throw new IllegalStateException("the daemon ended the operation without a summary");
        }
        if (format.equals("json")) {
            List<Map<String, Object>> list = new ArrayList<>();
            for (ImageSummary s : last.getSummariesList()) {
                Map<String, Object> m = new LinkedHashMap<>();
                m.put("ref", s.getRef());
                m.put("digest", s.getDigest());
                m.put("layers", s.getLayers());
                m.put("size", s.getSize());
                m.put("bytesFetched", s.getBytesFetched());
                m.put("bytesPresent", s.getBytesPresent());
                m.put("durationMs", s.getDurationMs());
                list.add(m);
            }
            out.println(Json.write(list.size() == 1 ? list.get(0) : list));
        } else {
            for (ImageSummary s : last.getSummariesList()) {
                out.printf("%s %s (%s): %d layers, %s fetched, %s already present, %d ms%n", verb, s.getRef(),
                        s.getDigest(), s.getLayers(), ByteSize.format(s.getBytesFetched()),
                        ByteSize.format(s.getBytesPresent()), s.getDurationMs());
            }
        }
        out.flush();
        return 0;
    }
}
