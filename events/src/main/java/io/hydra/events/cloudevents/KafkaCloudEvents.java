package io.hydra.events.cloudevents;

import java.util.Locale;

/**
 * Names fixed by the CloudEvents 1.0 specification and its Kafka protocol binding, plus Hydra's one extension.
 */
public final class KafkaCloudEvents {
    public static final String SPECVERSION = "specversion";
    public static final String ID = "id";
    public static final String SOURCE = "source";
    public static final String TYPE = "type";
    public static final String SUBJECT = "subject";
    public static final String TIME = "time";
    public static final String DATACONTENTTYPE = "datacontenttype";
    public static final String DATA = "data";
    public static final String DATA_BASE64 = "data_base64";
    /**
     * Extension attribute carrying the event's position in its node's outbox, so a consumer can tell a duplicate
     * (same id) from a gap (a missing sequence number of one source) without calling the daemon back.
     */
    public static final String HYDRA_SEQUENCE = "hydrasequence";

    /** Binary mode: every attribute is a header named {@code ce_} + the attribute name, UTF-8 text. */
    public static final String HEADER_PREFIX = "ce_";
    /** Both modes: the content type is the standard header, not a {@code ce_} one. */
    public static final String CONTENT_TYPE_HEADER = "content-type";

    public static final String STRUCTURED_CONTENT_TYPE = "application/cloudevents+json; charset=UTF-8";
    public static final String JSON_CONTENT_TYPE = "application/json";

    private KafkaCloudEvents() {
    }

    public static String header(String attribute) {
        return HEADER_PREFIX + attribute;
    }

    /** The media type of a content-type value, lower case and without parameters such as charset. */
    static String mediaType(String contentType) {
        int semicolon = contentType.indexOf(';');
        return (semicolon < 0 ? contentType : contentType.substring(0, semicolon)).trim().toLowerCase(Locale.ROOT);
    }

    /** True for {@code application/json} and any {@code +json} type, the data our decoder can turn into a map. */
    static boolean isJson(String contentType) {
        String media = mediaType(contentType);
        return media.equals(JSON_CONTENT_TYPE) || media.endsWith("+json") || media.equals("text/json");
    }
}
