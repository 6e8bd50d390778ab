package io.hydra.runtime.api;

import java.time.Instant;

import io.hydra.api.v1.Container;
import io.hydra.api.v1.Event;
import io.hydra.events.HydraEvent;
import io.hydra.runtime.state.ContainerRecord;
import io.hydra.runtime.state.RunOptions;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;

/** Records to API messages. */
final class Protos {
    private static final ObjectMapper JSON = new ObjectMapper();

    private Protos() {
    }

    static Container container(ContainerRecord r, boolean monitorChild) {
        Container.Builder b = Container.newBuilder()
                .setId(r.id())
                .setName(r.name())
                .setStatus(r.status().name())
                .setPid(r.status().live() ? r.pid() : 0)
                .setMonitor(r.monitor() == null ? "" : r.monitor())
                .setMonitorPid(r.monitorRecord() == null ? 0 : r.monitorRecord().monitor().pid())
                .setMonitorChild(monitorChild)
                .setNode(r.node())
                .setCreatedAt(time(r.createdAt()))
                .setStartedAt(time(r.startedAt()))
                .setFinishedAt(time(r.finishedAt()))
                .setBundle(r.userBundle() == null ? r.bundle().toString() : r.userBundle())
                .addAllCommand(r.command())
                .setLogPath(r.logFile().toString())
                .setRestartCount(r.restartCount())
                .setOomKilled(r.oomKilled())
                .setExitReason(r.exitReason() == null ? "" : r.exitReason())
                .setSignal(r.signal() == null ? "" : r.signal());
        RunOptions o = r.options();
        b.setImage(o.image() == null ? "" : o.image())
                .setImageDigest(o.imageDigest() == null ? "" : o.imageDigest())
                .putAllLabels(o.labels())
                .setRestartPolicy(o.restart().toString())
                .setAutoRemove(o.autoRemove())
                .setTty(o.tty());
        if (r.exitCode() != null) {
            b.setHasExitCode(true).setExitCode(r.exitCode());
        }
        return b.build();
    }

    static Event event(HydraEvent e) {
        String data;
        try {
            data = JSON.writeValueAsString(e.data());
        } catch (JsonProcessingException ex) {
            data = "{}";
        }
        return Event.newBuilder().setSequence(e.sequence()).setId(e.id()).setType(e.type()).setSource(e.source())
                .setSubject(e.subject()).setTime(e.time().toString()).setDataJson(data).build();
    }

    private static String time(Instant t) {
        return t == null ? "" : t.toString();
    }
}
