package io.hydra.runtime.cluster;

import java.io.IOException;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.datatype.jsr310.JavaTimeModule;

/**
 * The text form of the records the core keeps in the coordinator. Unknown fields are ignored (a newer daemon may
 * add some during a rolling upgrade); a record that does not parse is an error naming its key, never a default.
 */
public final class ClusterJson {
    private static final ObjectMapper MAPPER = new ObjectMapper()
            .registerModule(new JavaTimeModule())
            .disable(SerializationFeature.WRITE_DATES_AS_TIMESTAMPS)
            .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES);

    private ClusterJson() {
    }

    public static String write(Object record) {
        try {
            return MAPPER.writeValueAsString(record);
        } catch (IOException e) {
            throw new IllegalStateException("cannot encode " + record.getClass().getSimpleName(), e);
        }
    }

    public static <T> T read(String key, String text, Class<T> type) {
        try {
            return MAPPER.readValue(text, type);
        } catch (IOException e) {
            throw new IllegalStateException("the cluster record " + key + " is not a valid "
                    + type.getSimpleName() + ": " + e.getMessage(), e);
        }
    }
}
