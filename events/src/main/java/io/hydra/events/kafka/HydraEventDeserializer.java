package io.hydra.events.kafka;

import java.lang.System.Logger;
import java.lang.System.Logger.Level;

import org.apache.kafka.common.header.Headers;
import org.apache.kafka.common.serialization.Deserializer;

import io.hydra.events.HydraEvent;
import io.hydra.events.cloudevents.CloudEventDecoder;
import io.hydra.events.cloudevents.NotAHydraEventException;

/**
 * A Kafka {@link Deserializer} of Hydra events for consumers built on their own {@code KafkaConsumer} (or Kafka
 * Streams): a record that is not a Hydra CloudEvent becomes {@code null} with a warning, never an exception, since a
 * deserializer exception would stop the poll loop at that offset for good. A deserializer does not know the record's
 * partition and offset; {@link HydraEventConsumer} does, and names them in its warnings.
 */
public final class HydraEventDeserializer implements Deserializer<HydraEvent> {
    private static final Logger LOG = System.getLogger(HydraEventDeserializer.class.getName());

    @Override
    public HydraEvent deserialize(String topic, byte[] data) {
        LOG.log(Level.WARNING, "skipping a record on {0}: Hydra events need the record headers, and this caller "
                + "passed none", topic);
        return null;
    }

    @Override
    public HydraEvent deserialize(String topic, Headers headers, byte[] data) {
        try {
            return CloudEventDecoder.decode(headers, data);
        } catch (NotAHydraEventException e) {
            LOG.log(Level.WARNING, "skipping a record on {0} that is not a Hydra event: {1}", topic, e.getMessage());
            return null;
        }
    }
}
