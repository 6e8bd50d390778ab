package io.hydra.cli.checkpoints;

import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;

import io.hydra.api.v1.CheckpointProgress;
import io.hydra.api.v1.CheckpointSummary;
import io.hydra.cli.Json;
import io.hydra.cli.NamedCommand;
import picocli.CommandLine.Option;

/** A checkpoint or restore: progress on a terminal while it runs, then the summary line everywhere. */
abstract class TransferCommand extends NamedCommand {
    @Option(names = "--format", description = "text or json (the summary)")
    String format = "text";

    int follow(Iterator<CheckpointProgress> progress, String verb) {
        ProgressLine line = new ProgressLine(err(), ProgressLine.onTerminal(format));
        CheckpointProgress last = null;
        while (progress.hasNext()) {
            last = progress.next();
            line.show(last);
        }
        line.clear();
        if (last == null || !last.hasSummary()) {
            throw new IllegalStateException("the daemon ended the " + verb + " without a summary");
        }
        CheckpointSummary s = last.getSummary();
        if (format.equals("json")) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("container", last.getContainer().getName());
            m.put("status", last.getContainer().getStatus());
            m.put("version", s.getVersion());
            m.put("logicalBytes", s.getLogicalBytes());
            m.put("storedBytes", s.getStoredBytes());
            m.put("movedBytes", s.getMovedBytes());
            m.put("frozenMs", s.getFrozenMs());
            m.put("durationMs", s.getDurationMs());
            out().println(Json.write(m));
        } else {
            out().printf("%s %s version %d: %s logical, %s new, %s moved, frozen %d ms, %d ms in all%n",
                    verb, last.getContainer().getName(), s.getVersion(), ByteSize.format(s.getLogicalBytes()),
                    ByteSize.format(s.getStoredBytes()), ByteSize.format(s.getMovedBytes()), s.getFrozenMs(),
                    s.getDurationMs());
        }
        return 0;
    }
}
