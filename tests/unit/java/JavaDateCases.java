// JavaDateCases.java - the expectations of tests/unit/test_transforms_convert.c for java_date.c,
// produced by the real java.text.SimpleDateFormat (time zone UTC, as Kafka's TimestampConverter and
// TimestampRouter set it; the JVM's default locale, English, as Kafka Connect runs):
// `java tests/unit/java/JavaDateCases.java > tests/unit/java_date_cases.h`.
// Each pattern formats each instant (or Java's IllegalArgumentException for the pattern); each
// parse case is a pattern and a text, with the instant parse() gives or its ParseException.
import java.nio.charset.StandardCharsets;
import java.text.*;
import java.util.*;

public class JavaDateCases {
    static final long[] INSTANTS = {
        0L, 1L, -1L, 86399999L, 43200000L, 1234567890L, 951782400000L /* 2000-02-29 */,
        1699963200000L /* 2023-11-14 12:00 */, 1700000000123L, 1704067199999L /* 2023-12-31 23:59:59.999 */,
        253402300799999L /* 9999-12-31 */, 4102444800000L /* 2100-01-01 */,
        -12219292800000L /* 1582-10-15 */, -12219292800001L /* 1582-10-04 Julian */, -12244089600000L,
        -62135596800000L /* 0001-01-01 */, -62135596800001L /* 1 BC */, -62198755200000L, -100000000000000L,
        -2208988800000L /* 1900-01-01 */, 1582934400000L /* 2020-02-29 */, 1609459200000L /* 2021-01-01 */,
    };

    static final String[] PATTERNS = {
        "yyyy-MM-dd", "yyyyMMdd", "yy", "y", "yyy", "yyyyy", "M", "MM", "MMM", "MMMM", "MMMMM", "L", "LLL", "LLLL",
        "d", "dd", "D", "DDD", "E", "EEE", "EEEE", "EEEEE", "a", "h", "hh", "H", "HH", "k", "kk", "K", "KK", "m",
        "mm", "s", "ss", "S", "SS", "SSS", "SSSS", "SSSSSS", "z", "zzz", "zzzz", "Z", "ZZZZ", "X", "XX", "XXX", "G",
        "GGGG", "yyyy-MM-dd'T'HH:mm:ss.SSS'Z'", "HH:mm:ss.SSS'Z'", "EEE, dd MMM yyyy HH:mm:ss z",
        "'It''s' h 'o''clock' a", "yyyy.MM.dd G 'at' HH:mm:ss z", "hh 'o''clock' a, zzzz", "K:mm a, z",
        "yyyyy.MMMMM.dd GGG hh:mm aaa", "yyMMddHHmmssZ", "yyyy-MM-dd'T'HH:mm:ss.SSSZ",
        "yyyy-MM-dd'T'HH:mm:ss.SSSXXX", "\u00e9 '\u00fc' \u2603 ''", "'quoted ''text'' with letters'", "",
        "yyyy-DDD", "dd/MM/yy hh:mm:ss a",
        // Java refuses these
        "yyyy-MM-dd q", "'unterminated", "XXXX", "b", "yyyy-MM-dd'T'HH:mm:ss'",
    };

    static final String[][] PARSES = {
        {"yyyy-MM-dd", "2024-01-15"}, {"yyyy-MM-dd", "2024-1-5"}, {"yyyy-MM-dd", "2024-13-01"},
        {"yyyy-MM-dd", "2024-02-30"}, {"yyyy-MM-dd", "2024-01-15trailing"}, {"yyyy-MM-dd", " 2024-01-15"},
        {"yyyy-MM-dd", "\t2024-01-15"}, {"yyyy-MM-dd", "2024-01-1x"}, {"yyyy-MM-dd", "x2024-01-15"},
        {"yyyy-MM-dd", ""}, {"yyyy-MM-dd", "2024-00-00"}, {"yyyy-MM-dd", "2024-01"}, {"yyyy-MM-dd", "-2024-01-01"},
        {"yyyy-MM-dd", "2024-01--3"}, {"yyyy-MM-dd", "1582-10-10"}, {"yyyy-MM-dd", "1582-10-04"},
        {"yyyy-MM-dd", "1582-10-15"}, {"yyyy-MM-dd", "1000-01-01"}, {"yyyy-MM-dd", "0001-01-01"},
        {"yyyy-MM-dd", "99999-01-01"}, {"yyyy-MM-dd", "2024-01-15 10:00"}, {"yyyy-MM-dd", "2024 -01-15"},
        {"yyyy-MM-dd", "2024-+1-15"}, {"yyyy-MM-dd", "NaN-01-15"},
        {"yyyyMMdd", "20240115"}, {"yyyyMMdd", "2024011"}, {"yyyyMMdd", "202401151"}, {"yyyyMMdd", " 20240115"},
        {"yyyyMMddHHmmss", "20240115103000"}, {"yyMMdd", "240115"},
        {"yyyy-MM-dd HH:mm:ss", "2024-01-15 25:61:61"}, {"yyyy-MM-dd HH:mm:ss", "2024-01-15 10:30:00"},
        {"yyyy-MM-dd HH:mm:ss", "2024-01-15  10:30:00"}, {"yyyy-MM-dd HH:mm:ss", "2024-01-15T10:30:00"},
        {"yyyy-MM-dd HH:mm:ss", "2024-01-15\u00a010:30:00"}, {"yyyy-MM-dd HH:mm:ss", "2024-01-15 -1:00:00"},
        {"yyyy-MM-dd'T'HH:mm:ss.SSSSSS'Z'", "2024-01-02T03:04:05.123456Z"},
        {"yyyy-MM-dd'T'HH:mm:ss.SSS'Z'", "2024-01-02T03:04:05.5Z"},
        {"yyyy-MM-dd'T'HH:mm:ss.SSSXXX", "2024-01-02T03:04:05.123+02:00"},
        {"yyyy-MM-dd'T'HH:mm:ss.SSSXXX", "2024-01-02T03:04:05.123Z"},
        {"yyyy-MM-dd'T'HH:mm:ss.SSSXXX", "2024-01-02T03:04:05.123-0530"},
        {"yyyy-MM-dd'T'HH:mm:ss.SSSXX", "2024-01-02T03:04:05.123-0530"},
        {"yyyy-MM-dd'T'HH:mm:ss.SSSX", "2024-01-02T03:04:05.123+01"},
        {"yyyy-MM-dd'T'HH:mm:ss.SSSX", "2024-01-02T03:04:05.123+0130"},
        {"yyyy-MM-dd'T'HH:mm:ss.SSSX", "2024-01-02T03:04:05.123+1"},
        {"yyyy-MM-dd'T'HH:mm:ssZ", "2024-01-02T03:04:05+0100"}, {"yyyy-MM-dd'T'HH:mm:ssZ", "2024-01-02T03:04:05-01:30"},
        {"yyyy-MM-dd'T'HH:mm:ssZ", "2024-01-02T03:04:05GMT+01:00"}, {"yyyy-MM-dd'T'HH:mm:ssZ", "2024-01-02T03:04:05+2400"},
        {"EEE, dd MMM yyyy HH:mm:ss z", "Tue, 02 Jan 2024 03:04:05 GMT"},
        {"EEE, dd MMM yyyy HH:mm:ss z", "tue, 02 jan 2024 03:04:05 UTC"},
        {"EEE, dd MMM yyyy HH:mm:ss z", "Monday, 02 January 2024 03:04:05 GMT+0100"},
        {"EEE, dd MMM yyyy HH:mm:ss z", "Mon, 02 January 2024 03:04:05 GMT+1:00"},
        {"EEE, dd MMM yyyy HH:mm:ss z", "Mon, 02 Jan 2024 03:04:05 GMT-03:30"},
        {"EEE, dd MMM yyyy HH:mm:ss z", "Mon, 02 Jan 2024 03:04:05 Coordinated Universal Time"},
        {"EEE, dd MMM yyyy HH:mm:ss z", "Mon, 02 Jan 2024 03:04:05 +0200"},
        {"EEE, dd MMM yyyy HH:mm:ss z", "Mon,02 Jan 2024 03:04:05 GMT"},
        {"dd/MM/yy", "15/01/24"}, {"dd/MM/yy", "15/01/99"}, {"dd/MM/yy", "15/01/4"}, {"dd/MM/yy", "15/01/2024"},
        {"dd/MM/yy", "15/01/024"}, {"dd/MM/y", "15/01/24"},
        {"h:mm a", "12:30 AM"}, {"h:mm a", "12:30 pm"}, {"h:mm a", "1:05 PM"}, {"h:mm a", "13:05 PM"},
        {"h:mm", "12:30"}, {"a h:mm", "PM 3:00"}, {"HH:mm a", "03:00 PM"}, {"a HH:mm", "PM 03:00"},
        {"MMM d, yyyy", "Feb 29, 2023"}, {"MMM d, yyyy", "September 3, 2021"}, {"MMMM d, yyyy", "Sep 3, 2021"},
        {"MMM d, yyyy", "Sept 3, 2021"}, {"MMM d, yyyy", " Feb 3, 2021"}, {"MMMdd", "Feb03"},
        {"D yyyy", "60 2024"}, {"yyyy D", "2024 60"}, {"yyyy-MM-dd D", "2024-05-05 60"},
        {"D yyyy-MM-dd", "60 2024-05-05"}, {"yyyy D", "2024 400"}, {"yyyy D", "1582 300"},
        {"yyyy-MM-dd EEE", "2024-01-15 Fri"}, {"EEE MMM yyyy", "Fri Mar 2024"}, {"EEEE", "Wednesday"},
        {"MMM yyyy", "Mar 2024"}, {"yyyy", "2024"}, {"MM", "07"},
        {"yyyy-MM-dd G", "0044-03-15 BC"}, {"G yyyy", "ad 2024"}, {"yyyy-MM-dd G", "2024-03-15 CE"},
        {"HH:mm", "23:59"}, {"k:mm", "24:00"}, {"K:mm a", "11:59 PM"}, {"K:mm a", "12:00 AM"},
        {"yyyy-MM-dd HH:mm:ss.SSS", "2024-01-15 10:00:00.5"}, {"yyyy-MM-dd HH:mm:ss.SSS", "2024-01-15 10:00:00.12345"},
        {"yyyy MM dd", "2024\u00a001\u00a015"}, {"yyyy MM dd", "2024\t01 15"}, {"MM/dd/yyyy", "1/2/2024"},
        {"yyyy-MM-dd'T'HH:mm:ss", "2024-01-15T10:00:00"}, {"yyyy-MM-dd'T'HH:mm:ss", "2024-01-15t10:00:00"},
        {"'at' HH:mm", "at 10:00"}, {"'at' HH:mm", "At 10:00"}, {"\u00e9 yyyy", "\u00e9 2024"},
        {"yyyy-MM-dd", "2024-01-15\u00e9"}, {"yyyy-MM-dd HH", "2024-01-15 99999999999"},
        {"yyyy-MM-dd HH", "2024-01-15 4294967296"},
    };

    static final StringBuilder out = new StringBuilder();

    static String lit(String s) {
        if (s == null) return "NULL";
        StringBuilder b = new StringBuilder("\"");
        for (byte x : s.getBytes(StandardCharsets.UTF_8)) {
            int c = x & 0xff;
            if (c == '"' || c == '\\') b.append('\\').append((char) c);
            else if (c == '?') b.append("\\?");
            else if (c < 0x20 || c >= 0x7f) b.append(String.format("\\%03o", c));
            else b.append((char) c);
        }
        return b.append('"').toString();
    }

    public static void main(String[] args) throws Exception {
        TimeZone utc = TimeZone.getTimeZone("UTC");
        out.append("/* java_date_cases.h - generated by tests/unit/java/JavaDateCases.java from java.text.SimpleDateFormat (")
           .append(System.getProperty("java.version")).append(", locale ").append(Locale.getDefault())
           .append("); do not edit. */\n");
        out.append("static const struct date_format_case DATE_FORMATS[] = {\n");
        for (String p : PATTERNS) {
            SimpleDateFormat f;
            try {
                f = new SimpleDateFormat(p);
            } catch (IllegalArgumentException e) {
                out.append("    {").append(lit(p)).append(", 0, NULL, ").append(lit(e.getMessage())).append("},\n");
                continue;
            }
            f.setTimeZone(utc);
            for (long t : INSTANTS)
                out.append("    {").append(lit(p)).append(", ").append(t).append("LL, ").append(lit(f.format(new Date(t))))
                   .append(", NULL},\n");
        }
        out.append("};\n\nstatic const struct date_parse_case DATE_PARSES[] = {\n");
        for (String[] c : PARSES) {
            SimpleDateFormat f = new SimpleDateFormat(c[0]);
            f.setTimeZone(utc);
            try {
                long t = f.parse(c[1]).getTime();
                out.append("    {").append(lit(c[0])).append(", ").append(lit(c[1])).append(", true, ").append(t)
                   .append("LL},\n");
            } catch (ParseException e) {
                out.append("    {").append(lit(c[0])).append(", ").append(lit(c[1])).append(", false, 0},\n");
            }
        }
        out.append("};\n");
        System.out.write(out.toString().getBytes(StandardCharsets.UTF_8));
        System.out.flush();
    }
}
