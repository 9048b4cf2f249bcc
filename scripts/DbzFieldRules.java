/* DbzFieldRules - prints, as JSON, what Debezium's own Field validators say about each key of
 * PostgresConnectorConfig.ALL_FIELDS for a few probe values, and its recommenders' values and
 * visibility: the facts scripts/gen-pg-field-rules.py turns into connectors/postgres/pg_config_fields.c. */
import io.debezium.config.*;
import io.debezium.connector.postgresql.PostgresConnectorConfig;
import java.util.*;
public class DbzFieldRules {
    static List<String> run(Field f, String v) {
        List<String> out = new ArrayList<>();
        Map<String,String> m = new HashMap<>();
        if (v != null) m.put(f.name(), v);
        Configuration c = Configuration.from(m);
        f.validate(c, (fld, val, problem) -> out.add(problem));
        return out;
    }
    static String q(String s) { return s == null ? "null" : "\"" + s.replace("\\", "\\\\").replace("\"", "\\\"") + "\""; }
    public static void main(String[] a) throws Exception {
        StringBuilder sb = new StringBuilder("[");
        boolean first = true;
        for (Field f : PostgresConnectorConfig.ALL_FIELDS) {
            if (!first) sb.append(",\n"); first = false;
            sb.append("{\"name\":").append(q(f.name())).append(",\"type\":").append(q(String.valueOf(f.type())));
            Field.Recommender r = f.recommender();
            Configuration empty = Configuration.from(new HashMap<String,String>());
            if (r != null) {
                sb.append(",\"visible\":").append(r.visible(f, empty));
                sb.append(",\"recommended\":[");
                List<Object> vv = r.validValues(f, empty); boolean ff = true;
                for (Object o : vv) { if (!ff) sb.append(","); ff = false; sb.append(q(String.valueOf(o))); }
                sb.append("]");
            }
            sb.append(",\"probe\":{");
            String[] probes = {"x", "-1", "0", "1", "99999999999", "", null};
            boolean fp = true;
            for (String p : probes) {
                if (!fp) sb.append(","); fp = false;
                sb.append(p == null ? "\"ABSENT\"" : q(p)).append(":[");
                boolean fm = true;
                for (String msg : run(f, p)) { if (!fm) sb.append(","); fm = false; sb.append(q(msg)); }
                sb.append("]");
            }
            sb.append("}}");
        }
        sb.append("]");
        System.out.println(sb);
    }
}
