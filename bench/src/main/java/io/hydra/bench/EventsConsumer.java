package io.hydra.bench;

import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.OffsetDateTime;
import java.util.List;
import java.util.Properties;
import java.util.concurrent.ExecutionException;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.TopicExistsException;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;

/**
 * Reads Hydra's events off a Kafka topic and writes one line per record, as it is received:
 * <pre>
 *   EventsConsumer BOOTSTRAP TOPIC OUTFILE [--from-beginning]
 *   line: recvMs kafkaTimestampMs eventTimeMs offset type subject exitCode
 * </pre>
 * recvMs is the consumer's wall clock when poll() returned the record; kafkaTimestampMs the record's CreateTime (the
 * producer's clock at send); eventTimeMs the CloudEvent's own {@code time} (set by the daemon when it recorded the
 * event). Creates TOPIC (1 partition) when missing, assigns partition 0 (no group), starts at the end unless
 * --from-beginning, prints "ready" on stdout once positioned, runs until killed (every line is flushed).
 */
public final class EventsConsumer {
    private static final ObjectMapper JSON = new ObjectMapper();

    private EventsConsumer() {
    }

    public static void main(String[] a) throws Exception {
        String bootstrap = a[0];
        String topic = a[1];
        Path out = Path.of(a[2]);
        boolean fromBeginning = a.length > 3 && a[3].equals("--from-beginning");
        Properties ap = new Properties();
        ap.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        try (Admin admin = Admin.create(ap)) {
            try {
                admin.createTopics(List.of(new NewTopic(topic, 1, (short) 1))).all().get();
            } catch (ExecutionException e) {
                if (!(e.getCause() instanceof TopicExistsException)) {
                    throw e;
                }
            }
        }
        Properties p = new Properties();
        p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        p.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName());
        p.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName());
        p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
        p.put(ConsumerConfig.FETCH_MAX_WAIT_MS_CONFIG, "100");
        p.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_uncommitted");
        TopicPartition tp = new TopicPartition(topic, 0);
        try (KafkaConsumer<byte[], byte[]> c = new KafkaConsumer<>(p);
             PrintWriter w = new PrintWriter(Files.newBufferedWriter(out))) {
            c.assign(List.of(tp));
            if (fromBeginning) {
                c.seekToBeginning(List.of(tp));
            } else {
                c.seekToEnd(List.of(tp));
            }
            c.position(tp);
            System.out.println("ready");
            System.out.flush();
            while (true) {
                ConsumerRecords<byte[], byte[]> records = c.poll(Duration.ofMillis(200));
                long recv = System.currentTimeMillis();
                for (ConsumerRecord<byte[], byte[]> r : records) {
                    w.println(recv + " " + r.timestamp() + " " + describe(r));
                }
                w.flush();
            }
        }
    }

    private static String header(ConsumerRecord<byte[], byte[]> r, String name) {
        Header h = r.headers().lastHeader(name);
        return h == null ? null : new String(h.value(), StandardCharsets.UTF_8);
    }

    private static long epochMs(String time) {
        try {
            return time == null ? -1 : OffsetDateTime.parse(time).toInstant().toEpochMilli();
        } catch (RuntimeException e) {
            return -1;
        }
    }

    private static String describe(ConsumerRecord<byte[], byte[]> r) {
        String type;
        String time;
        String subject;
        JsonNode data;
        try {
            if (header(r, "ce_type") != null) { // binary mode: attributes in headers, the value is the data
                type = header(r, "ce_type");
                time = header(r, "ce_time");
                subject = header(r, "ce_subject");
                data = r.value() == null ? null : JSON.readTree(r.value());
            } else { // structured mode: the whole event in the value
                JsonNode e = JSON.readTree(r.value());
                type = e.path("type").asText();
                time = e.path("time").asText(null);
                subject = e.path("subject").asText("-");
                data = e.get("data");
            }
        } catch (Exception e) {
            return "-1 " + r.offset() + " unparsable - -";
        }
        String exit = data != null && data.has("exitCode") ? data.get("exitCode").asText() : "-";
        return epochMs(time) + " " + r.offset() + " " + type + " " + (subject == null || subject.isEmpty() ? "-" : subject)
                + " " + exit;
    }
}
