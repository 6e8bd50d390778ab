package io.hydra.cli.system;

import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import io.hydra.api.v1.Event;
import io.hydra.api.v1.EventsRequest;
import io.hydra.cli.DaemonCommand;
import io.hydra.cli.DaemonConnection;
import io.hydra.cli.Json;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

@Command(name = "events", description = "Lifecycle events from the daemon's outbox.")
public final class Events extends DaemonCommand {
    @Option(names = {"-f", "--follow"}, description = "keep streaming new events")
    boolean follow;

    @Option(names = "--type", description = "only this type (e.g. io.hydra.container.exited, container.exited)")
    List<String> types = new ArrayList<>();

    @Option(names = "--container", description = "only this container's events")
    String container = "";

    @Option(names = "--since", description = "only events after this sequence number")
    long since;

    @Option(names = "--format", description = "text or json (one object per line)")
    String format = "text";

    @Override
    protected int call(DaemonConnection c) {
        Iterator<Event> events = c.events().stream(EventsRequest.newBuilder().setFollow(follow).addAllTypes(types)
                .setContainer(container).setAfterSequence(since).build());
        while (events.hasNext()) {
            Event e = events.next();
            if (format.equals("json")) {
                out().println(Json.write(cloudEvent(e)).replaceAll("\\s*\\n\\s*", " "));
            } else {
                out().printf("%s %6d %-32s %s %s%n", e.getTime(), e.getSequence(), e.getType(),
                        e.getSubject().isEmpty() ? "-" : e.getSubject().substring(0, Math.min(12, e.getSubject().length())),
                        e.getDataJson());
            }
            out().flush();
        }
        return 0;
    }

    /** The event as a CloudEvents 1.0 JSON object, its data inline when it parses. */
    private static Map<String, Object> cloudEvent(Event e) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("sequence", e.getSequence());
        m.put("specversion", "1.0");
        m.put("id", e.getId());
        m.put("type", e.getType());
        m.put("source", e.getSource());
        m.put("subject", e.getSubject());
        m.put("time", e.getTime());
        try {
            m.put("data", Json.MAPPER.readTree(e.getDataJson()));
        } catch (Exception ex) {
            m.put("data", e.getDataJson());
        }
        return m;
    }
}
