// JavaRegexCases.java - the expectations of tests/unit/test_java_regex.c, produced by the real
// java.util.regex: `java tests/unit/java/JavaRegexCases.java > tests/unit/java_regex_cases.h`.
// Each pattern is run on each of its subjects (matches, find, and replaceAll/replaceFirst with
// the replacements given); a pattern Java refuses records the refusal and its index.
import java.util.*;
import java.util.regex.*;

public class JavaRegexCases {
    record Case(int flags, String pattern, String[] subjects, String[] replacements) {}

    static Case c(String pattern, String... subjects) { return new Case(0, pattern, subjects, new String[0]); }
    static Case ci(String pattern, String... subjects) { return new Case(1, pattern, subjects, new String[0]); }
    static Case r(String pattern, String[] replacements, String... subjects) {
        return new Case(0, pattern, subjects, replacements);
    }
    static String[] reps(String... r) { return r; }

    static final List<Case> CASES = List.of(
        // the filter lists Debezium users write
        c("public\\..*", "public.orders", "public.", "publicXorders", "xpublic.orders", "other.t"),
        c("public\\.(?!audit_).*", "public.orders", "public.audit_log", "public.audit", "public.xaudit_log"),
        c("(?!public\\.).*\\..*", "public.t", "inventory.t", "t"),
        c(".*(?<!_tmp)", "orders", "orders_tmp", "tmp", "_tmp"),
        c(".*(?<=_log)", "audit_log", "log", "audit_logs"),
        c("(?<![a-z])t\\d+", "t1", "t12", "at1", "x t1"),
        c("inventory\\.(?:orders|customers)", "inventory.orders", "inventory.customers", "inventory.other"),
        c("(?i)public\\.t\\d+", "PUBLIC.T1", "public.t12", "public.tx"),
        ci("public\\.t\\d+", "PUBLIC.T1", "public.t12", "Public.T"),
        ci("[a-c]+", "ABC", "abc", "abd"),
        c("(?i:ab)c", "ABc", "ABC", "abc"),
        c("a(?i)b(?-i)c", "aBc", "aBC", "ABc"),
        c("x[\\w.]*", "x", "xa.b_c9", "x-y"),
        c("[\\d\\s]+", "1 2\t3", "1a"),
        c("[^\\s,]+", "abc", "a b", "a,b"),
        c("[\\]\\[]+", "[]", "][", "a"),
        c("[a-z&&[^aeiou]]+", "bcd", "bad", "&&"),
        c("[\\-a]+", "-a-", "b"),
        c("[.]", ".", "a"),
        c("\\w+", "abc_123", "é", "a-b"),
        c("\\d+", "0123456789", "١٢", "12a"),
        c("\\s", " ", "\t", "\u000B", "\u00A0", "\u2003"),
        c("\\S+", "ab", "a b"),
        c("\\bfoo\\b", "foo", "foo bar", "food"),
        c("\\Bfoo", "afoo", "foo"),
        // quantifiers: greedy, lazy, possessive, counted
        c("a.*+", "a", "abc"),
        c("a.*+b", "ab", "axb"),
        c("a++b", "aab", "b"),
        c("(a|ab)(c|bcd)(d*)", "abcd", "abcdd"),
        c("a{2,3}", "a", "aa", "aaa", "aaaa"),
        c("a{2}", "aa", "aaa"),
        c("a{2,}+", "aaaa", "a"),
        c("a?+a", "a", "aa"),
        c("a*?b", "aaab", "b"),
        c("<.+?>", "<a>", "<a><b>", "<>"),
        c("(?>a|ab)c", "abc", "ac"),
        // alternation and whole-string semantics
        c("a|ab", "ab", "a", "b"),
        c("abc|", "", "abc", "ab"),
        c("", "", "a"),
        c("t[0-9]{1,2}", "t1", "t12", "t123"),
        // groups: named, back references
        c("(?<year>\\d{4})-(?<month>\\d{2})", "2024-05", "2024-5"),
        c("(a)\\1", "aa", "ab"),
        c("(?<x>a)\\k<x>", "aa", "ab"),
        // quoting
        c("\\Qa.b\\E", "a.b", "axb"),
        c("\\Qa.b", "a.b", "axb"),
        c("x\\Q(\\E+", "x(", "x(((", "x"),
        c("\\.\\*\\+\\?\\{\\}\\(\\)\\|\\^\\$", ".*+?{}()|^$"),
        // anchors and line terminators
        c("^abc$", "abc", "abc\n", "abc\r\n", "xabc"),
        c("abc$", "abc\n", "abc\nx"),
        c("a.c", "abc", "a\nc", "a\rc", "a\u0085c", "a\u2028c", "a\u000Bc", "a\fc", "aéc", "a€c"),
        c("(?s)a.c", "a\nc", "a\rc"),
        c("(?m)^b$", "a\nb\nc", "b", "a\r\nb\r\nc"),
        c("\\Aab\\z", "ab", "ab\n"),
        c("ab\\Z", "ab\n", "ab"),
        c("\\Gab", "ab", "xab"),
        // escapes
        c("\\t\\x41\\u0042\\x{43}\\0104", "\tABCD"),
        c("caf\\u00e9", "café", "cafe"),
        c("\\p{L}+", "abc", "été", "a1"),
        c("\\p{Lu}\\p{Ll}+", "Été", "été"),
        c("\\P{L}+", "123", "a"),
        c("[\\p{L}&&[^a]]+", "bc", "ba"),
        c("\\h+\\v", " \t\n"),
        c("\\R", "\n", "\r\n", "\r"),
        c("é", "é", "É", "e"),
        ci("é", "É", "é"),
        // comments and flags
        c("(?x) a b # comment\n c", "abc", "a b c"),
        c("(?x)a[ ]b", "a b", "ab"),
        c("(?x)a b(?-x) c", "ab c", "abc"),
        c("(?x:a b) c", "ab c", "abc"),
        c("(?dU)a.\\w", "a\ré", "a\né"),
        c("(?-i)a", "a", "A"),
        // syntax errors
        c("public.(broken"),
        c("[abc"),
        c("a["),
        c("(x"),
        c("*a"),
        c("a)"),
        c("a{2,1}"),
        c("\\k<nope>"),
        c("(?<n>a)(?<n>b)"),
        c("a\\"),
        c("(?<=a+)b"),
        c("(?<=a{1,3})b"),
        c("x{"),
        c("a**"),
        c("\\p{Lower}+", "abc", "ABC", "é"),
        ci("\\p{Lower}+", "abc", "ABC"),
        c("[\\p{Upper}\\d]+", "A1", "a1", "É"),
        c("\\P{Alpha}+", "12", "a"),
        c("[\\P{Alpha}]+", "12", "a"),
        c("\\p{Punct}+", "!-_", "a"),
        c("\\p{XDigit}\\p{Space}\\p{Alnum}", "f 1", "g 1"),
        c("(?U)\\p{Lower}", "é"),
        c("(?iu)é", "É"),
        c("(?iU)\\w", "é"),
        c("\\0400", " 0"),
        c("\\0", "\u0000"),
        c("\\08"),
        c("(a)\\2", "a"),
        c("(?n)a"),
        c("(?J)a"),
        c("(*UCP)a"),
        c("(?1)(a)"),
        c("\\g1"),
        c("\\p{IsAlphabetic}+", "abc"),
        c("(?u)a"),
        c("(?U)\\w+", "été"),
        c("(?d)a.b", "a\rb", "a\nb"),
        c("[]a]", "]", "a"),
        c("[^]a]", "b", "]"),
        c("a{,3}", "a{,3}", "aa"),
        c("(?|a)"),
        c("\\K"),
        c("(?#comment)a", "a"),
        c("\\cA", "\u0001"),
        c("\\e\\a", "\u001b\u0007"),
        c("\\N{LATIN SMALL LETTER E WITH ACUTE}", "é"),
        // replacements (RegexRouter, ByLogicalTableRouter)
        r("(.*)\\.(.*)\\.(.*)", reps("$3", "routed_$2_$3", "${x}", "\\$1", "$4", "$", "a\\\\b", "$11", "$1$2"),
          "db.public.orders", "nodots"),
        r("(?<schema>[^.]+)\\.(?<table>.+)", reps("${table}_${schema}", "$2-$1", "${nope}", "${1}", "$g"),
          "public.orders"),
        r("a", reps("[$0]", "x\\y"), "banana", "xyz"),
        r("a*", reps("-"), "baaac", ""),
        r("(?<=a)", reps("|"), "aXa"),
        r("(x)?y", reps("<$1>"), "y", "xy"),
        r("é", reps("e"), "été"),
        r("", reps("."), "ab", "é")
    );

    // C string literal, byte by byte in UTF-8 (so the C side sees what connectd's configs hold).
    static String lit(String s) {
        if (s == null) return "NULL";
        StringBuilder b = new StringBuilder("\"");
        byte[] bytes = s.getBytes(java.nio.charset.StandardCharsets.UTF_8);
        boolean hex = false;
        for (byte x : bytes) {
            int u = x & 0xff;
            boolean isHexDigit = (u >= '0' && u <= '9') || (u >= 'a' && u <= 'f') || (u >= 'A' && u <= 'F');
            if (hex && isHexDigit) b.append("\"\""); // ends the previous \x escape
            hex = false;
            if (u == '"' || u == '\\') b.append('\\').append((char) u);
            else if (u == '\n') b.append("\\n");
            else if (u == '\t') b.append("\\t");
            else if (u == '\r') b.append("\\r");
            else if (u == '?') b.append("\\?"); // no trigraphs
            else if (u < 0x20 || u >= 0x7f) { b.append(String.format("\\x%02x", u)); hex = true; }
            else b.append((char) u);
        }
        return b.append('"').toString();
    }

    public static void main(String[] args) {
        StringBuilder out = new StringBuilder();
        out.append("/* java_regex_cases.h - generated by tests/unit/java/JavaRegexCases.java from java.util.regex (")
           .append(System.getProperty("java.version")).append("); do not edit. */\n");
        out.append("static const struct java_case JAVA_CASES[] = {\n");
        int n = 0;
        for (Case k : CASES) {
            Pattern p;
            try {
                p = Pattern.compile(k.pattern(), k.flags() == 1 ? Pattern.CASE_INSENSITIVE : 0);
            } catch (PatternSyntaxException e) {
                out.append(String.format("    {%d, %s, NULL, NULL, -1, -1, NULL, NULL, %s, %d},\n", k.flags(), lit(k.pattern()),
                                         lit(e.getDescription()), e.getIndex()));
                n++;
                for (String s : k.subjects())
                    System.err.println("note: " + k.pattern() + " does not compile, subject " + s + " unused");
                continue;
            }
            for (String s : k.subjects()) {
                boolean m = p.matcher(s).matches(), f = p.matcher(s).find();
                if (k.replacements().length == 0) {
                    out.append(String.format("    {%d, %s, %s, NULL, %d, %d, NULL, NULL, NULL, -1},\n", k.flags(),
                                             lit(k.pattern()), lit(s), m ? 1 : 0, f ? 1 : 0));
                    n++;
                }
                for (String rep : k.replacements()) {
                    String all, first;
                    try { all = p.matcher(s).replaceAll(rep); } catch (RuntimeException e) { all = null; }
                    try { first = p.matcher(s).replaceFirst(rep); } catch (RuntimeException e) { first = null; }
                    out.append(String.format("    {%d, %s, %s, %s, %d, %d, %s, %s, NULL, -1},\n", k.flags(),
                                             lit(k.pattern()), lit(s), lit(rep), m ? 1 : 0, f ? 1 : 0, lit(all),
                                             lit(first)));
                    n++;
                }
            }
        }
        out.append("};\n");
        System.out.print(out);
        System.err.println(n + " cases");
    }
}
