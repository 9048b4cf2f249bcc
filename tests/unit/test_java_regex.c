/* test_java_regex.c - connect/java_regex against java.util.regex itself: java_regex_cases.h holds
 * what OpenJDK 17 answered for matches(), find(), replaceAll() and replaceFirst() over a table of
 * patterns (tests/unit/java/JavaRegexCases.java writes it), and the places PCRE2 knowingly differs
 * are asserted on their own below. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "connect/java_regex.h"

struct java_case {
    int flags;
    const char *pattern, *subject, *replacement;
    int matches, find;                 /* -1: Java refused the pattern */
    const char *replace_all, *replace_first; /* NULL: Java threw */
    const char *error;                 /* PatternSyntaxException.getDescription() */
    int error_index;
};
#include "java_regex_cases.h"

#define N_CASES (sizeof(JAVA_CASES) / sizeof(JAVA_CASES[0]))

/* Patterns on which connectd answers differently from Java, each asserted in
 * test_known_differences. */
static const char *const DIFFERENT[] = {
    "a.c",                 /* U+0085 and U+2028 end a line in Java, not in PCRE2's ANYCRLF */
    "\xc3\xa9",            /* with CASE_INSENSITIVE: PCRE2 folds non-ASCII letters too */
    "\\p{IsAlphabetic}+",  /* java.lang.Character \p{Is..} names: refused */
    "\\N{LATIN SMALL LETTER E WITH ACUTE}", /* \N{name}: refused */
    "a{,3}",               /* PCRE2 10.42 reads it literally; Java refuses */
    "x{",                  /* likewise */
    "(?<=a+)b",            /* unbounded lookbehind: Java 17 accepts, PCRE2 refuses */
    "(?<=a{1,3})b",        /* variable-length lookbehind: PCRE2 10.42 refuses */
    "[a-z&&[^aeiou]]+",    /* class intersection: refused rather than read as PCRE2 would */
    "[\\p{L}&&[^a]]+",
    "(a)\\2",              /* a reference to a group that does not exist: never matches in Java */
};

static bool known_different(const struct java_case *c) {
    for (size_t i = 0; i < sizeof(DIFFERENT) / sizeof(DIFFERENT[0]); i++)
        if (!strcmp(DIFFERENT[i], c->pattern) && (strcmp(c->pattern, "\xc3\xa9") || c->flags)) return true;
    return false;
}

static void test_java_table(void **state) {
    (void)state;
    size_t checked = 0;
    for (size_t i = 0; i < N_CASES; i++) {
        const struct java_case *c = &JAVA_CASES[i];
        if (known_different(c)) continue;
        char err[512];
        java_regex_t *re = java_regex_new(c->pattern, c->flags, err, sizeof(err));
        if (c->matches < 0) {
            if (re) print_error("case %zu: /%s/ compiled; Java refuses it: %s\n", i, c->pattern, c->error);
            assert_null(re);
            assert_true(strlen(err) > 0);
            java_regex_free(re);
            checked++;
            continue;
        }
        if (!re) print_error("case %zu: /%s/ refused: %s\n", i, c->pattern, err);
        assert_non_null(re);
        size_t n = strlen(c->subject);
        if (java_regex_matches(re, c->subject, n) != (bool)c->matches ||
            java_regex_find(re, c->subject, n) != (bool)c->find)
            print_error("case %zu: /%s/ on \"%s\": matches %d find %d, Java %d %d\n", i, c->pattern, c->subject,
                        java_regex_matches(re, c->subject, n), java_regex_find(re, c->subject, n), c->matches,
                        c->find);
        assert_int_equal(java_regex_matches(re, c->subject, n), c->matches);
        assert_int_equal(java_regex_find(re, c->subject, n), c->find);
        if (c->replacement) {
            char *all = java_regex_replace_all(re, c->subject, n, c->replacement, err, sizeof(err));
            char *first = java_regex_replace_first(re, c->subject, n, c->replacement, err, sizeof(err));
            if ((all == NULL) != (c->replace_all == NULL) || (all && strcmp(all, c->replace_all)) ||
                (first == NULL) != (c->replace_first == NULL) || (first && strcmp(first, c->replace_first)))
                print_error("case %zu: /%s/ on \"%s\" with \"%s\": [%s] [%s], Java [%s] [%s] (%s)\n", i,
                            c->pattern, c->subject, c->replacement, all ? all : "(error)",
                            first ? first : "(error)", c->replace_all ? c->replace_all : "(throws)",
                            c->replace_first ? c->replace_first : "(throws)", err);
            if (c->replace_all) {
                assert_non_null(all);
                assert_string_equal(all, c->replace_all);
            } else {
                assert_null(all);
            }
            if (c->replace_first) {
                assert_non_null(first);
                assert_string_equal(first, c->replace_first);
            } else {
                assert_null(first);
            }
            free(all);
            free(first);
        }
        java_regex_free(re);
        checked++;
    }
    assert_true(checked > 200);
}

static void test_known_differences(void **state) {
    (void)state;
    char err[512];
    java_regex_t *re = java_regex_new("a.c", 0, err, sizeof(err));
    assert_true(java_regex_matches(re, "a\xc2\x85" "c", 4));     /* Java: false */
    assert_false(java_regex_matches(re, "a\nc", 3));
    java_regex_free(re);
    re = java_regex_new("\xc3\xa9", JAVA_REGEX_CASE_INSENSITIVE, err, sizeof(err));
    assert_true(java_regex_matches(re, "\xc3\x89", 2));           /* Java: false without UNICODE_CASE */
    java_regex_free(re);
    re = java_regex_new("[a-z&&[^aeiou]]+", 0, err, sizeof(err));
    assert_null(re);
    assert_string_equal(err, "Character class intersection (&&) is not supported; write it as a lookahead, "
                             "e.g. (?![aeiou])[a-z] near index 4\n[a-z&&[^aeiou]]+\n    ^");
    const char *refused[] = {"\\p{IsAlphabetic}+", "\\N{LATIN SMALL LETTER E WITH ACUTE}",
                             "(?<=a+)b", "(?<=a{1,3})b", "[\\p{L}&&[^a]]+", "[[:alpha:]]",
                             "(a)\\2", "(?i)(?U)\\w", "x(?d)."};
    for (size_t i = 0; i < sizeof(refused) / sizeof(refused[0]); i++) {
        re = java_regex_new(refused[i], 0, err, sizeof(err));
        if (re) print_error("/%s/ compiled\n", refused[i]);
        assert_null(re);
    }
    const char *accepted[] = {"a{,3}", "x{"};
    for (size_t i = 0; i < sizeof(accepted) / sizeof(accepted[0]); i++) {
        re = java_regex_new(accepted[i], 0, err, sizeof(err));
        if (!re) print_error("/%s/: %s\n", accepted[i], err);
        assert_non_null(re);
        java_regex_free(re);
    }
}

/* The text of PatternSyntaxException.getMessage() for what the table's Java refused with a
 * description connectd maps: the description, the index, the pattern and the caret. */
static void test_error_messages(void **state) {
    (void)state;
    size_t compared = 0;
    for (size_t i = 0; i < N_CASES; i++) {
        const struct java_case *c = &JAVA_CASES[i];
        if (c->matches >= 0 || known_different(c)) continue;
        char err[512], want[512];
        java_regex_t *re = java_regex_new(c->pattern, c->flags, err, sizeof(err));
        assert_null(re);
        if (strcmp(c->error, "Unclosed group") && strcmp(c->error, "Unclosed character class") &&
            strncmp(c->error, "Dangling meta character", 23) && strcmp(c->error, "Illegal repetition range") &&
            strcmp(c->error, "Unexpected internal error") && strcmp(c->error, "Unknown inline modifier") &&
            strcmp(c->error, "Illegal/unsupported escape sequence"))
            continue;
        int w = snprintf(want, sizeof(want), "%s near index %d\n%s", c->error, c->error_index, c->pattern);
        if ((size_t)c->error_index < strlen(c->pattern))
            snprintf(want + w, sizeof(want) - (size_t)w, "\n%*s^", c->error_index, "");
        assert_string_equal(err, want);
        compared++;
    }
    assert_true(compared >= 8);
}

/* Properties over generated names: a filter list's whole-name match equals Java's rule for the
 * spellings Debezium users write, with and without CASE_INSENSITIVE. */
static void test_filter_properties(void **state) {
    (void)state;
    char err[256];
    java_regex_t *not_audit = java_regex_new("public\\.(?!audit_).*", JAVA_REGEX_CASE_INSENSITIVE, err, sizeof(err));
    java_regex_t *digits = java_regex_new("(?i)t\\d{1,3}+", 0, err, sizeof(err));
    assert_non_null(not_audit);
    assert_non_null(digits);
    const char *schemas[] = {"public", "PUBLIC", "Public", "other", "publi", "public_x"};
    const char *tables[] = {"orders", "audit_log", "AUDIT_x", "audit", "t1", "T12", "t1234", "t", "x_audit_"};
    for (size_t s = 0; s < 6; s++)
        for (size_t t = 0; t < 9; t++) {
            char id[64];
            int n = snprintf(id, sizeof(id), "%s.%s", schemas[s], tables[t]);
            bool schema_ok = !strcasecmp(schemas[s], "public");
            bool audit = !strncasecmp(tables[t], "audit_", 6);
            assert_int_equal(java_regex_matches(not_audit, id, (size_t)n), schema_ok && !audit);
            /* a whole match is a find whose match spans everything: never true when find is false */
            assert_true(!java_regex_matches(not_audit, id, (size_t)n) || java_regex_find(not_audit, id, (size_t)n));
            size_t tl = strlen(tables[t]);
            bool want = (tables[t][0] == 't' || tables[t][0] == 'T') && tl >= 2 && tl <= 4 &&
                        strspn(tables[t] + 1, "0123456789") == tl - 1;
            assert_int_equal(java_regex_matches(digits, tables[t], tl), want);
        }
    /* a subject is the bytes given, not up to a NUL */
    assert_true(java_regex_matches(digits, "t12xyz", 3));
    assert_false(java_regex_matches(digits, "t12\0", 4));
    /* text that is not UTF-8 does not match, and does not fail */
    assert_false(java_regex_matches(not_audit, "public.\xff", 8));
    assert_true(java_regex_find(not_audit, "public.\xffok", 10));
    java_regex_free(not_audit);
    java_regex_free(digits);
}

/* RegexRouter's shape: matches(), then replaceFirst, with named groups and a deep backtrack. */
static void test_replace(void **state) {
    (void)state;
    char err[256];
    java_regex_t *re = java_regex_new("(?<server>[^.]+)\\.(?<schema>[^.]+)\\.(?<table>.+)", 0, err, sizeof(err));
    assert_non_null(re);
    char *out = java_regex_replace_first(re, "db.public.orders", 16, "${schema}_${table}\\$", err, sizeof(err));
    assert_string_equal(out, "public_orders$");
    free(out);
    out = java_regex_replace_all(re, "db.public.orders", 16, "$9", err, sizeof(err));
    assert_null(out);
    assert_string_equal(err, "No group 9");
    out = java_regex_replace_all(re, "db.public.orders", 16, "x\\", err, sizeof(err));
    assert_null(out);
    assert_string_equal(err, "character to be escaped is missing");
    java_regex_free(re);
    /* a long subject: the JIT or the interpreter, not a failure */
    re = java_regex_new("(a|b)*c", 0, err, sizeof(err));
    size_t n = 200000;
    char *big = malloc(n + 1);
    for (size_t i = 0; i < n; i++) big[i] = i % 2 ? 'a' : 'b';
    big[n - 1] = 'c';
    big[n] = '\0';
    assert_true(java_regex_matches(re, big, n));
    free(big);
    java_regex_free(re);
}

/* Threads matching with one compiled pattern at once: each call either borrows the object's match
 * block or makes its own, and every answer stays right. */
static java_regex_t *shared;
static void *matcher(void *arg) {
    long bad = 0;
    for (int i = 0; i < 20000; i++) {
        char id[32];
        int n = snprintf(id, sizeof(id), "public.%s%d", (i + (int)(intptr_t)arg) % 3 ? "t" : "audit_", i);
        bool want = (i + (int)(intptr_t)arg) % 3 != 0;
        if (java_regex_matches(shared, id, (size_t)n) != want) bad++;
        char *r = java_regex_replace_first(shared, id, (size_t)n, "x", NULL, 0);
        if (!r || strcmp(r, want ? "x" : id)) bad++;
        free(r);
    }
    return (void *)bad;
}

static void test_threads(void **state) {
    (void)state;
    char err[256];
    shared = java_regex_new("public\\.(?!audit_).*", 0, err, sizeof(err));
    assert_non_null(shared);
    pthread_t t[4];
    for (intptr_t i = 0; i < 4; i++) pthread_create(&t[i], NULL, matcher, (void *)i);
    for (int i = 0; i < 4; i++) {
        void *bad;
        pthread_join(t[i], &bad);
        assert_int_equal((long)(intptr_t)bad, 0);
    }
    java_regex_free(shared);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_java_table),      cmocka_unit_test(test_known_differences),
        cmocka_unit_test(test_error_messages),  cmocka_unit_test(test_filter_properties),
        cmocka_unit_test(test_replace),         cmocka_unit_test(test_threads),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
