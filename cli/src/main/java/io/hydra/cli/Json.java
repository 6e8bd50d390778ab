package io.hydra.cli;

import java.util.LinkedHashMap;
import java.util.Map;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;

import io.hydra.api.v1.Container;

/** The JSON shapes scripts rely on (DESIGN.md): field names here are a contract. */
public final class Json {
    public static final ObjectMapper MAPPER = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    private Json() {
    }

    public static Map<String, Object> container(Container c, boolean full) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("id", c.getId());
        m.put("name", c.getName());
        m.put("image", blankToNull(c.getImage()));
        m.put("status", c.getStatus());
        m.put("pid", c.getPid());
        m.put("exitCode", c.getHasExitCode() ? c.getExitCode() : null);
        m.put("signal", blankToNull(c.getSignal()));
        m.put("oomKilled", c.getOomKilled());
        m.put("monitor", c.getMonitor());
        m.put("monitorPid", c.getMonitorPid());
        m.put("node", c.getNode());
        m.put("createdAt", blankToNull(c.getCreatedAt()));
        m.put("startedAt", blankToNull(c.getStartedAt()));
        m.put("finishedAt", blankToNull(c.getFinishedAt()));
        if (full) {
            m.put("monitorIsChild", c.getMonitorChild());
            m.put("bundle", c.getBundle());
            m.put("command", c.getCommandList());
            m.put("logPath", c.getLogPath());
            m.put("restartCount", c.getRestartCount());
            m.put("restartPolicy", c.getRestartPolicy().isEmpty() ? "no" : c.getRestartPolicy());
            m.put("autoRemove", c.getAutoRemove());
            m.put("tty", c.getTty());
            m.put("labels", new java.util.TreeMap<>(c.getLabelsMap()));
            m.put("imageDigest", blankToNull(c.getImageDigest()));
            m.put("exitReason", blankToNull(c.getExitReason()));
        }
        return m;
    }

    public static String write(Object value) {
        try {
            return MAPPER.writeValueAsString(value);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    static String blankToNull(String s) {
        return s == null || s.isEmpty() ? null : s;
    }
}
