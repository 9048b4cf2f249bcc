// OffsetOrderCases.java - the expectations of test_offset_order in tests/unit/test_stores.c,
// produced by Kafka Connect 4.1.1's own classes:
//   java -cp 'build/connect-4.1.1/libs/*' tests/unit/java/OffsetOrderCases.java > tests/unit/offset_order_cases.h
// Random offsets PATCH and reset requests on source connectors go through ConnectorOffsets.toMap,
// Worker's normalization, OffsetStorageWriter and a backing store that sends records and keeps
// the set of partitions as KafkaOffsetBackingStore does (OffsetUtils.processPartitionKey); after
// each, GET /connectors/{c}/offsets is answered as Worker.sourceConnectorOffsets does, with
// OffsetStorageReaderImpl. Recorded: each request, the records in the order they were sent, and
// the partitions in the order GET lists them.
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.*;
import java.util.concurrent.*;
import org.apache.kafka.connect.json.JsonConverter;
import org.apache.kafka.connect.runtime.WorkerConfig;
import org.apache.kafka.connect.runtime.rest.entities.ConnectorOffset;
import org.apache.kafka.connect.runtime.rest.entities.ConnectorOffsets;
import org.apache.kafka.connect.storage.*;
import org.apache.kafka.connect.util.Callback;

public class OffsetOrderCases {
    /** KafkaOffsetBackingStore's data handling, without Kafka: set sends its map's entries in
     * iteration order; each record read back updates data and the set of partitions. */
    static final class Store implements OffsetBackingStore {
        final Map<ByteBuffer, ByteBuffer> data = new HashMap<>();
        final Map<String, Set<Map<String, Object>>> partitions = new HashMap<>();
        final JsonConverter keyConverter;
        final List<String> sent = new ArrayList<>();
        Store(JsonConverter keyConverter) { this.keyConverter = keyConverter; }
        public void start() {}
        public void stop() {}
        public void configure(WorkerConfig config) {}
        public Future<Map<ByteBuffer, ByteBuffer>> get(Collection<ByteBuffer> keys) {
            Map<ByteBuffer, ByteBuffer> values = new HashMap<>();
            for (ByteBuffer key : keys) values.put(key, data.get(key));
            return CompletableFuture.completedFuture(values);
        }
        public Future<Void> set(Map<ByteBuffer, ByteBuffer> values, Callback<Void> callback) {
            for (Map.Entry<ByteBuffer, ByteBuffer> e : values.entrySet()) {
                byte[] k = e.getKey().array(), v = e.getValue() == null ? null : e.getValue().array();
                sent.add(new String(k, StandardCharsets.UTF_8) + "\t" + (v == null ? "null" : new String(v, StandardCharsets.UTF_8)));
                OffsetUtils.processPartitionKey(k, v, keyConverter, partitions);
                if (v == null) data.remove(e.getKey());
                else data.put(e.getKey(), e.getValue());
            }
            if (callback != null) callback.onCompletion(null, null);
            return CompletableFuture.completedFuture(null);
        }
        public Set<Map<String, Object>> connectorPartitions(String connector) {
            return partitions.getOrDefault(connector, Collections.emptySet());
        }
    }

    static JsonConverter converter(boolean key) {
        JsonConverter c = new JsonConverter();
        c.configure(Map.of("schemas.enable", "false"), key);
        return c;
    }

    static final JsonConverter KEYS = converter(true), VALUES = converter(false);
    static final ObjectMapper MAPPER = new ObjectMapper();

    /** Worker.normalizeSourceConnectorOffsets. */
    @SuppressWarnings("unchecked")
    static Map<Map<String, ?>, Map<String, ?>> normalize(Map<Map<String, ?>, Map<String, ?>> original) {
        Map<Map<String, ?>, Map<String, ?>> normalized = new HashMap<>();
        for (Map.Entry<Map<String, ?>, Map<String, ?>> e : original.entrySet()) {
            Object k = KEYS.toConnectData("", KEYS.fromConnectData("", null, e.getKey())).value();
            Object v = VALUES.toConnectData("", VALUES.fromConnectData("", null, e.getValue())).value();
            normalized.put((Map<String, ?>) k, (Map<String, ?>) v);
        }
        return normalized;
    }

    /** Worker.modifySourceConnectorOffsets, from the offsets to write on. */
    static void write(Store store, String connector, Map<Map<String, ?>, Map<String, ?>> offsets) throws Exception {
        OffsetStorageWriter writer = new OffsetStorageWriter(store, connector, KEYS, VALUES);
        normalize(offsets).forEach(writer::offset);
        writer.beginFlush();
        writer.doFlush((e, r) -> {}).get();
    }

    static String list(Store store, String connector) throws Exception {
        OffsetStorageReaderImpl reader = new OffsetStorageReaderImpl(store, connector, KEYS, VALUES);
        List<ConnectorOffset> out = new ArrayList<>();
        reader.offsets(store.connectorPartitions(connector)).forEach((p, o) -> out.add(new ConnectorOffset(p, o)));
        StringBuilder b = new StringBuilder();
        for (ConnectorOffset o : out) b.append(MAPPER.writeValueAsString(o.partition())).append('\n');
        return b.toString();
    }

    static String c(String s) {
        StringBuilder b = new StringBuilder("\"");
        for (byte x : s.getBytes(StandardCharsets.UTF_8)) {
            int u = x & 0xff;
            if (u == '"' || u == '\\') b.append('\\').append((char) u);
            else if (u == '\n') b.append("\\n");
            else if (u == '\t') b.append("\\t");
            else if (u < 0x20 || u >= 0x7f || u == '?') b.append(String.format("\\%03o", u));
            else b.append((char) u);
        }
        return b.append('"').toString();
    }

    static final String[] WORDS = {"/tmp/pytest-of-root/pytest-3/test_offsets0/in.txt", "/f0", "/f1", "/f2",
        "/f12", "/nowhere", "dbserver1", "inventory", "Ünïcödé", "日本", "a", "", "orders-7", "x/y/z"};
    static final String[] NAMES = {"filename", "server", "database", "task_id", "a", "b", "schema", "z",
        "table", "Aa", "BB"};

    static Object value(Random r) {
        switch (r.nextInt(5)) {
            case 0: return r.nextInt(1000) - 100;
            case 1: return r.nextBoolean();
            case 2: return (long) r.nextInt() * 1000003L;
            default: return r.nextInt(3) == 0 ? "/f" + r.nextInt(40) : WORDS[r.nextInt(WORDS.length)] + (r.nextBoolean() ? "" : r.nextInt(99));
        }
    }

    static Map<String, Object> map(Random r, int maxFields, boolean partition) {
        Map<String, Object> m = new LinkedHashMap<>();
        int n = 1 + r.nextInt(maxFields);
        if (partition && r.nextInt(3) > 0) m.put(r.nextBoolean() ? "filename" : "server", WORDS[r.nextInt(WORDS.length)] + (r.nextInt(4) == 0 ? "" : "/t" + r.nextInt(60)));
        while (m.size() < n) m.put(NAMES[r.nextInt(NAMES.length)], value(r));
        return m;
    }

    public static void main(String[] args) throws Exception {
        Random r = new Random(875);
        StringBuilder out = new StringBuilder();
        out.append("/* offset_order_cases.h - generated by tests/unit/java/OffsetOrderCases.java from Kafka Connect 4.1.1 (Java ")
           .append(System.getProperty("java.version")).append("); do not edit. */\n");
        out.append("static const struct offset_order_step OFFSET_ORDER_STEPS[] = {\n");
        for (int run = 0; run < 100; run++) {
            String connector = "conn-" + run + (run % 3 == 0 ? "-ü" : "");
            Store store = new Store(KEYS);
            List<Map<String, Object>> known = new ArrayList<>();
            // from run 60 on: many partitions, a reset, then few (the set of partitions keeps the
            // capacity it grew to)
            boolean shrink = run >= 60;
            int steps = shrink ? 4 : 2 + r.nextInt(6);
            for (int s = 0; s < steps; s++) {
                store.sent.clear();
                String body;
                boolean reset = shrink ? s == 1 : s > 0 && r.nextInt(6) == 0;
                if (reset) {
                    body = null;
                    Map<Map<String, ?>, Map<String, ?>> all = new HashMap<>();
                    store.connectorPartitions(connector).forEach(p -> all.put(p, null));
                    if (!all.isEmpty()) write(store, connector, all);
                } else {
                    List<ConnectorOffset> req = new ArrayList<>();
                    int n = shrink ? (s == 0 ? 30 + r.nextInt(40) : 2 + r.nextInt(5))
                                   : 1 + r.nextInt(r.nextInt(4) == 0 ? 40 : 14);
                    for (int i = 0; i < n; i++) {
                        Map<String, Object> p = !known.isEmpty() && r.nextInt(3) == 0
                            ? known.get(r.nextInt(known.size())) : map(r, 3, true);
                        known.add(p);
                        req.add(new ConnectorOffset(p, r.nextInt(5) == 0 ? null : map(r, 3, false)));
                    }
                    body = MAPPER.writeValueAsString(Map.of("offsets", req.stream().map(o -> {
                        Map<String, Object> m = new LinkedHashMap<>();
                        m.put("partition", o.partition());
                        m.put("offset", o.offset());
                        return m;
                    }).toList()));
                    // ConnectorsResource reads the body with Jackson into ConnectorOffsets
                    ConnectorOffsets parsed = MAPPER.readValue(body, ConnectorOffsets.class);
                    write(store, connector, parsed.toMap());
                }
                out.append("    {").append(c(connector)).append(", ").append(body == null ? "NULL" : c(body)).append(",\n     ")
                   .append(c(String.join("\n", store.sent))).append(",\n     ").append(c(list(store, connector))).append("},\n");
            }
        }
        out.append("};\n");
        System.out.print(out);
    }
}
