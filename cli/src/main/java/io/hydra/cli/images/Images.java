package io.hydra.cli.images;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import io.hydra.api.v1.Empty;
import io.hydra.api.v1.Image;
import io.hydra.cli.DaemonCommand;
import io.hydra.cli.DaemonConnection;
import io.hydra.cli.Json;
import io.hydra.cli.checkpoints.ByteSize;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

@Command(name = "images", description = "List the images in the blob store.")
public final class Images extends DaemonCommand {
    @Option(names = "--format", description = "table or json")
    String format = "table";

    @Override
    protected int call(DaemonConnection c) {
        if (!format.equals("table") && !format.equals("json")) {
            throw usageError("--format must be table or json, got '" + format + "'");
        }
        List<Image> images = c.images().list(Empty.getDefaultInstance()).getImagesList();
        if (format.equals("json")) {
            out().println(Json.write(images.stream().map(Images::json).toList()));
            return 0;
        }
        out().printf("%-50s  %-19s  %-10s  %s%n", "REF", "DIGEST", "SIZE", "CREATED");
        for (Image i : images) {
            out().printf("%-50s  %-19s  %-10s  %s%n", i.getRef(), shortDigest(i.getDigest()),
                    ByteSize.format(i.getSize()), i.getCreatedAt());
        }
        return 0;
    }

    private static String shortDigest(String digest) {
        return digest.length() > 19 ? digest.substring(0, 19) : digest;
    }

    private static Map<String, Object> json(Image i) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("ref", i.getRef());
        m.put("digest", i.getDigest());
        m.put("size", i.getSize());
        m.put("createdAt", i.getCreatedAt());
        m.put("layers", i.getLayers());
        return m;
    }
}
