/* java_regex.c - java.util.regex patterns compiled and run by PCRE2, whose syntax is Java's for
 * what connectors write. This file owns the few places where the two read the same text
 * differently (inline flags, nested classes, verbs), Java's error texts and index, the whole-match
 * and find loops as Matcher runs them, and Java's replacement syntax. */
#define PCRE2_CODE_UNIT_WIDTH 8
#include "connect/java_regex.h"

#include <pcre2.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "connect/java_util.h"
#include "xalloc.h"

struct java_regex {
    pcre2_code *find;  /* unanchored: find, replace */
    pcre2_code *whole; /* compiled PCRE2_ANCHORED | PCRE2_ENDANCHORED: matches(). As compile
                        * options (not match options) so that the JIT still runs it. */
    /* Borrowed by one matching thread at a time (atomic_flag), so that the per-record path does
     * not allocate; a thread that finds it taken makes its own for that call. */
    pcre2_match_data *md;
    atomic_flag md_busy;
};

/* UTF: Java matches characters, not bytes ('.' takes all of 'é'); MATCH_INVALID_UTF: a subject
 * that is not valid UTF-8 does not match instead of failing; no UCP: Java's \w \d \s \b and POSIX
 * classes are ASCII unless (?U); NEVER_BACKSLASH_C: \C (one byte) does not exist in Java. (Not
 * ALT_BSUX: it would take Java's \uhhhh but lose \x{h..}; \uhhhh is rewritten instead.) */
#define BASE_OPTIONS (PCRE2_UTF | PCRE2_MATCH_INVALID_UTF | PCRE2_NEVER_BACKSLASH_C)

/* ---- reading the pattern as Java does ------------------------------------------------------- */

/* The pattern handed to PCRE2, with for each of its bytes the offset in the user's pattern it
 * came from (errors point into the user's text). */
typedef struct {
    sb_t out;
    size_t *from;
    size_t cap;
} rewrite_t;

static void emit(rewrite_t *w, const char *s, size_t n, size_t src) {
    if (w->out.len + n + 1 > w->cap) {
        w->cap = (w->out.len + n + 1) * 2;
        w->from = xrealloc(w->from, w->cap * sizeof(*w->from));
    }
    for (size_t k = 0; k < n; k++) w->from[w->out.len + k] = src;
    sb_addn(&w->out, s, n);
}

static bool is_alpha(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }

static bool hex4(const char *s, unsigned *v) {
    *v = 0;
    for (int k = 0; k < 4; k++) {
        char c = s[k];
        int d = c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : c >= 'A' && c <= 'F' ? c - 'A' + 10 : -1;
        if (d < 0) return false;
        *v = *v * 16 + (unsigned)d;
    }
    return true;
}

/* The PCRE2 name of Java's POSIX class \p{<name>} at s ("{Lower}..."), or NULL. */
static const char *posix_class(const char *s) {
    static const char *const names[][2] = {
        {"Lower", "lower"}, {"Upper", "upper"}, {"ASCII", "ascii"}, {"Alpha", "alpha"}, {"Digit", "digit"},
        {"Alnum", "alnum"}, {"Punct", "punct"}, {"Graph", "graph"}, {"Print", "print"}, {"Blank", "blank"},
        {"Cntrl", "cntrl"}, {"XDigit", "xdigit"}, {"Space", "space"},
    };
    if (*s != '{') return NULL;
    for (size_t k = 0; k < sizeof(names) / sizeof(names[0]); k++) {
        size_t l = strlen(names[k][0]);
        if (!strncmp(s + 1, names[k][0], l) && s[1 + l] == '}') return names[k][1];
    }
    return NULL;
}

/* An inline flag group at p[i] == '(' (p[i+1] == '?', then letters or '-'). Java's letters are
 * i d m s u x U; PCRE2 has no u or d and reads U as "ungreedy", so: u (Unicode case folding) is
 * what PCRE2's UTF mode does already and is dropped; U (Unicode \w \d \s) and d (only \n ends a
 * line) exist in PCRE2 only for the whole pattern, (*UCP) and (*LF), so they are accepted only
 * in a (?..) group opening the pattern; x is PCRE2's xx (Java ignores blanks inside classes too).
 * Returns the index after the group's ')' or ':', or 0 with *bad set to the offending index. */
static size_t flag_group(const char *p, size_t i, rewrite_t *w, sb_t *prefix, const char **desc, size_t *bad) {
    *desc = "Unknown inline modifier";
    sb_t on = {0}, off = {0};
    bool neg = false;
    size_t j = i + 2;
    for (; is_alpha(p[j]) || p[j] == '-'; j++) {
        char c = p[j];
        if (c == '-') {
            if (neg) break;
            neg = true;
            continue;
        }
        if (!strchr("idmsuxU", c)) break;
        if (c == 'u') continue;
        if (c == 'U' || c == 'd') {
            if (i != 0 || neg) {
                *desc = "The (?U) and (?d) flags are supported only in a (?..) group opening the pattern "
                        "(PCRE2 sets them for the whole pattern)";
                break;
            }
            sb_add(prefix, c == 'U' ? "(*UCP)" : "(*LF)");
            continue;
        }
        sb_add(neg ? &off : &on, c == 'x' ? "xx" : (char[]){c, 0});
    }
    char *a = sb_take(&on), *b = sb_take(&off);
    size_t next = 0;
    if (p[j] == ')' || p[j] == ':') {
        /* (?U:...) at the start: the group would set U for its part only, not the whole. */
        if (p[j] == ':' && prefix->len && i == 0) {
            *desc = "The (?U) and (?d) flags are supported only in a (?..) group opening the pattern "
                    "(PCRE2 sets them for the whole pattern)";
            *bad = j;
        } else {
            if (*a || *b || p[j] == ':') {
                char *g = xasprintf("(?%s%s%s%c", a, *b ? "-" : "", b, p[j]);
                emit(w, g, strlen(g), i);
                free(g);
            }
            next = j + 1;
        }
    } else {
        *bad = j;
    }
    free(a);
    free(b);
    return next;
}

/* Walks the pattern as Java's parser would, copying it for PCRE2; returns NULL with a
 * description and the index in the user's pattern where Java reads differently from PCRE2. */
static char *java_to_pcre2(const char *p, size_t **from, const char **desc, size_t *bad) {
    rewrite_t w = {0};
    sb_t prefix = {0};
    size_t len = strlen(p);
    bool in_class = false;
    *desc = NULL;
    for (size_t i = 0; i < len;) {
        char c = p[i];
        if (c == '\\') {
            char n = p[i + 1];
            if (n == 'Q') { /* copied through \E as is: PCRE2 quotes the same way */
                const char *e = strstr(p + i + 2, "\\E");
                size_t end = e ? (size_t)(e - p) + 2 : len;
                emit(&w, p + i, end - i, i);
                i = end;
                continue;
            }
            /* Java's octal escape takes up to three digits (\0377); PCRE2's \0 only two more. */
            if (n == '0') {
                unsigned v = 0;
                size_t k = 2;
                while (k < 5 && p[i + k] >= '0' && p[i + k] <= '7' && (k < 4 || p[i + 2] <= '3'))
                    v = v * 8 + (unsigned)(p[i + k++] - '0');
                if (k == 2) {
                    *desc = "Illegal octal escape sequence";
                    *bad = i + 2;
                    break;
                }
                char hex[16];
                snprintf(hex, sizeof(hex), "\\x{%x}", v);
                emit(&w, hex, strlen(hex), i);
                i += k;
                continue;
            }
            /* Java's \uhhhh (a pair of them for a surrogate pair) as PCRE2's \x{h..}. */
            unsigned cp;
            if (n == 'u' && hex4(p + i + 2, &cp)) {
                size_t k = 6;
                unsigned lo;
                if (cp >= 0xD800 && cp < 0xDC00 && p[i + 6] == '\\' && p[i + 7] == 'u' && hex4(p + i + 8, &lo) &&
                    lo >= 0xDC00 && lo < 0xE000) {
                    cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
                    k = 12;
                }
                char hex[16];
                snprintf(hex, sizeof(hex), "\\x{%x}", cp);
                emit(&w, hex, strlen(hex), i);
                i += k;
                continue;
            }
            /* Java's POSIX character classes are ASCII (unless (?U)); PCRE2 reads some of these
             * names as Unicode properties and refuses the others. Its [:name:] are Java's. */
            const char *posix = n == 'p' || n == 'P' ? posix_class(p + i + 2) : NULL;
            if (posix) {
                char cls[32];
                snprintf(cls, sizeof(cls), in_class ? "[:%s%s:]" : "[%s[:%s:]]", n == 'P' ? "^" : "", posix);
                emit(&w, cls, strlen(cls), i);
                i = (size_t)(strchr(p + i, '}') - p) + 1;
                continue;
            }
            /* PCRE2 escapes Java does not have, which would otherwise quietly mean something. */
            if (n && strchr("Kgo", n)) {
                *desc = "Illegal/unsupported escape sequence";
                *bad = i + 1;
                break;
            }
            size_t k = n ? 1 + ju_utf8_next(p + i + 1, len - i - 1, &(int){0}) : 1;
            emit(&w, p + i, k, i);
            i += k;
            continue;
        }
        if (in_class) {
            if (c == '[') {
                *desc = "Nested character classes (Java's union, or a POSIX [:name:]) are not supported; "
                        "escape the '[' or write the union as an alternation";
                *bad = i;
                break;
            }
            if (c == '&' && p[i + 1] == '&') {
                *desc = "Character class intersection (&&) is not supported; write it as a lookahead, "
                        "e.g. (?![aeiou])[a-z]";
                *bad = i;
                break;
            }
            if (c == ']') in_class = false;
            emit(&w, p + i, 1, i);
            i++;
            continue;
        }
        if (c == '[') {
            in_class = true;
            size_t k = 1;
            if (p[i + k] == '^') k++;
            if (p[i + k] == ']') k++; /* a ']' first is a member, in Java as in PCRE2 */
            emit(&w, p + i, k, i);
            i += k;
            continue;
        }
        if (c == '(' && p[i + 1] == '*') { /* a PCRE2 verb; to Java a quantifier with nothing before */
            *desc = "Dangling meta character '*'";
            *bad = i + 1;
            break;
        }
        if (c == '(' && p[i + 1] == '?') {
            char n = p[i + 2];
            if (n == ':' || n == '=' || n == '!' || n == '>' ||
                (n == '<' && (p[i + 3] == '=' || p[i + 3] == '!' || is_alpha(p[i + 3])))) {
                emit(&w, p + i, 3, i);
                i += 3;
                continue;
            }
            const char *why = "Unknown inline modifier";
            size_t next = is_alpha(n) || n == '-' ? flag_group(p, i, &w, &prefix, &why, bad) : 0;
            if (!next) {
                if (!(is_alpha(n) || n == '-')) *bad = i + 2;
                *desc = why;
                break;
            }
            i = next;
            continue;
        }
        emit(&w, p + i, 1, i);
        i++;
    }
    if (*desc) {
        free(sb_take(&w.out));
        free(sb_take(&prefix));
        free(w.from);
        return NULL;
    }
    /* The verbs go first; their bytes point at the pattern's start. */
    char *pre = sb_take(&prefix);
    size_t np = strlen(pre), n = w.out.len;
    char *body = sb_take(&w.out);
    char *all = xasprintf("%s%s", pre, body);
    *from = xmalloc((np + n + 1) * sizeof(**from));
    for (size_t k = 0; k < np; k++) (*from)[k] = 0;
    for (size_t k = 0; k < n; k++) (*from)[np + k] = w.from[k];
    (*from)[np + n] = len;
    free(pre);
    free(body);
    free(w.from);
    return all;
}

/* ---- errors ----------------------------------------------------------------------------------- */

/* PatternSyntaxException.getMessage(): "<desc> near index <i>", the pattern, and a caret under
 * index i when it falls inside the pattern. Java counts the index in UTF-16 units. */
static void syntax_error(const char *pattern, const char *desc, size_t byte_index, char *err, size_t err_size) {
    if (!err || !err_size) return;
    size_t len = strlen(pattern), units = 0, chars = 0;
    if (byte_index > len) byte_index = len;
    for (size_t k = 0; k < byte_index;) {
        int u;
        k += ju_utf8_next(pattern + k, len - k, &u);
        units += (size_t)u;
        chars++;
    }
    int w = snprintf(err, err_size, "%s near index %zu\n%s", desc, units, pattern);
    if (w >= 0 && (size_t)w < err_size && byte_index < len)
        snprintf(err + w, err_size - (size_t)w, "\n%*s^", (int)chars, "");
}

/* Java's description and index for the mistakes people make, from PCRE2's code and offset (in
 * the user's pattern); PCRE2's own text for the rest. */
static void compile_error(const char *pattern, int code, size_t at, char *err, size_t err_size) {
    size_t len = strlen(pattern);
    char desc[160];
    switch (code) {
    case PCRE2_ERROR_MISSING_CLOSING_PARENTHESIS:
        snprintf(desc, sizeof(desc), "Unclosed group");
        at = len;
        break;
    case PCRE2_ERROR_MISSING_SQUARE_BRACKET:
        snprintf(desc, sizeof(desc), "Unclosed character class");
        at = len ? len - 1 : 0;
        break;
    case PCRE2_ERROR_QUANTIFIER_INVALID:
        snprintf(desc, sizeof(desc), "Dangling meta character '%c'", at < len ? pattern[at] : '?');
        break;
    case PCRE2_ERROR_UNMATCHED_CLOSING_PARENTHESIS:
        snprintf(desc, sizeof(desc), "Unmatched closing ')'");
        at = at ? at - 1 : 0;
        break;
    case PCRE2_ERROR_QUANTIFIER_OUT_OF_ORDER:
        snprintf(desc, sizeof(desc), "Illegal repetition range");
        break;
    case PCRE2_ERROR_END_BACKSLASH:
        snprintf(desc, sizeof(desc), "Unexpected internal error");
        at = len;
        break;
    default: {
        PCRE2_UCHAR msg[120];
        if (pcre2_get_error_message(code, msg, sizeof(msg)) < 0) snprintf((char *)msg, sizeof(msg), "error %d", code);
        snprintf(desc, sizeof(desc), "%s", (const char *)msg);
    }
    }
    syntax_error(pattern, desc, at, err, err_size);
}

/* ---- compiling -------------------------------------------------------------------------------- */

static pcre2_code *compile(const char *src, uint32_t options, pcre2_compile_context *cc, int *code, size_t *off) {
    PCRE2_SIZE eoff = 0;
    pcre2_code *c = pcre2_compile((PCRE2_SPTR)src, PCRE2_ZERO_TERMINATED, options, code, &eoff, cc);
    *off = eoff;
    /* The JIT is an optimisation: where it is missing or refuses, the interpreter runs. */
    if (c) pcre2_jit_compile(c, PCRE2_JIT_COMPLETE);
    return c;
}

java_regex_t *java_regex_new(const char *pattern, int flags, char *err, size_t err_size) {
    if (err && err_size) err[0] = '\0';
    const char *desc;
    size_t bad = 0, *from = NULL;
    char *src = java_to_pcre2(pattern, &from, &desc, &bad);
    if (!src) {
        syntax_error(pattern, desc, bad, err, err_size);
        return NULL;
    }
    pcre2_compile_context *cc = pcre2_compile_context_create(NULL);
    if (!cc) abort();
    /* Java's line terminators for '.', '^' and '$' are \n, \r, \r\n (and U+0085, U+2028, U+2029,
     * which no PCRE2 convention lists without also taking \v and \f). */
    pcre2_set_newline(cc, PCRE2_NEWLINE_ANYCRLF);
    uint32_t opts = BASE_OPTIONS | ((flags & JAVA_REGEX_CASE_INSENSITIVE) ? PCRE2_CASELESS : 0);
    int code = 0;
    size_t off = 0;
    java_regex_t *re = xmalloc(sizeof(*re));
    memset(re, 0, sizeof(*re));
    atomic_flag_clear(&re->md_busy);
    re->find = compile(src, opts, cc, &code, &off);
    if (re->find) re->whole = compile(src, opts | PCRE2_ANCHORED | PCRE2_ENDANCHORED, cc, &code, &off);
    pcre2_compile_context_free(cc);
    if (!re->find || !re->whole) {
        size_t n = strlen(src);
        compile_error(pattern, code, from[off < n ? off : n], err, err_size);
        free(src);
        free(from);
        java_regex_free(re);
        return NULL;
    }
    free(src);
    free(from);
    re->md = pcre2_match_data_create_from_pattern(re->find, NULL);
    if (!re->md) abort();
    return re;
}

void java_regex_free(java_regex_t *re) {
    if (!re) return;
    pcre2_match_data_free(re->md);
    pcre2_code_free(re->find);
    pcre2_code_free(re->whole);
    free(re);
}

/* ---- matching --------------------------------------------------------------------------------- */

static pcre2_match_data *borrow(const java_regex_t *re) {
    java_regex_t *m = (java_regex_t *)re; /* the flag and block are scratch, not the pattern */
    if (!atomic_flag_test_and_set_explicit(&m->md_busy, memory_order_acquire)) return m->md;
    pcre2_match_data *own = pcre2_match_data_create_from_pattern(re->find, NULL);
    if (!own) abort();
    return own;
}

static void give_back(const java_regex_t *re, pcre2_match_data *md) {
    java_regex_t *m = (java_regex_t *)re;
    if (md == m->md)
        atomic_flag_clear_explicit(&m->md_busy, memory_order_release);
    else
        pcre2_match_data_free(md);
}

/* pcre2_match, retried by the interpreter (which keeps its backtracking on the heap) when the
 * JIT's stack is too small for the subject. > 0 on a match. */
static int run(const pcre2_code *code, const char *s, size_t n, size_t start, pcre2_match_data *md) {
    int rc = pcre2_match(code, (PCRE2_SPTR)s, n, start, 0, md, NULL);
    if (rc == PCRE2_ERROR_JIT_STACKLIMIT) rc = pcre2_match(code, (PCRE2_SPTR)s, n, start, PCRE2_NO_JIT, md, NULL);
    return rc;
}

bool java_regex_matches(const java_regex_t *re, const char *s, size_t n) {
    pcre2_match_data *md = borrow(re);
    int rc = run(re->whole, s ? s : "", s ? n : 0, 0, md);
    give_back(re, md);
    return rc > 0;
}

bool java_regex_find(const java_regex_t *re, const char *s, size_t n) {
    pcre2_match_data *md = borrow(re);
    int rc = run(re->find, s ? s : "", s ? n : 0, 0, md);
    give_back(re, md);
    return rc > 0;
}

/* ---- replacing -------------------------------------------------------------------------------- */

/* Matcher.appendExpandedReplacement: the replacement for one match, appended to b. */
static int expand(const java_regex_t *re, const char *s, const PCRE2_SIZE *ov, uint32_t groups, const char *rep,
                  sb_t *b, char *err, size_t err_size) {
    for (size_t i = 0; rep[i];) {
        char c = rep[i];
        if (c == '\\') {
            if (!rep[i + 1]) {
                snprintf(err, err_size, "character to be escaped is missing");
                return -1;
            }
            size_t k = ju_utf8_next(rep + i + 1, strlen(rep + i + 1), &(int){0});
            sb_addn(b, rep + i + 1, k);
            i += 1 + k;
            continue;
        }
        if (c != '$') {
            sb_addc(b, c);
            i++;
            continue;
        }
        i++;
        uint32_t g;
        if (!rep[i]) {
            snprintf(err, err_size, "Illegal group reference: group index is missing");
            return -1;
        }
        if (rep[i] == '{') {
            size_t start = ++i;
            while ((rep[i] >= 'a' && rep[i] <= 'z') || (rep[i] >= 'A' && rep[i] <= 'Z') ||
                   (rep[i] >= '0' && rep[i] <= '9'))
                i++;
            if (i == start) {
                snprintf(err, err_size, "named capturing group has 0 length name");
                return -1;
            }
            if (rep[i] != '}') {
                snprintf(err, err_size, "named capturing group is missing trailing '}'");
                return -1;
            }
            char name[128];
            snprintf(name, sizeof(name), "%.*s", (int)(i - start), rep + start);
            i++;
            /* Java's group names start with a letter; "${1}" names no group. */
            int num = is_alpha(name[0]) ? pcre2_substring_number_from_name(re->find, (PCRE2_SPTR)name) : -1;
            if (num <= 0) {
                snprintf(err, err_size, "No group with name {%s}", name);
                return -1;
            }
            g = (uint32_t)num;
        } else {
            if (rep[i] < '0' || rep[i] > '9') {
                snprintf(err, err_size, "Illegal group reference");
                return -1;
            }
            /* The first digit is always a group; further digits join while the number exists. */
            g = (uint32_t)(rep[i++] - '0');
            while (rep[i] >= '0' && rep[i] <= '9' && g * 10 + (uint32_t)(rep[i] - '0') <= groups)
                g = g * 10 + (uint32_t)(rep[i++] - '0');
            if (g > groups) {
                snprintf(err, err_size, "No group %u", g);
                return -1;
            }
        }
        if (ov[2 * g] != PCRE2_UNSET) sb_addn(b, s + ov[2 * g], ov[2 * g + 1] - ov[2 * g]);
    }
    return 0;
}

/* Matcher.replaceAll / replaceFirst: find from the end of the previous match, one character
 * further when that match was empty. */
static char *replace(const java_regex_t *re, const char *s, size_t n, const char *rep, bool all, char *err,
                     size_t err_size) {
    if (err && err_size) err[0] = '\0';
    char scratch[8];
    if (!err || !err_size) {
        err = scratch;
        err_size = sizeof(scratch);
    }
    if (!s) s = "", n = 0;
    uint32_t groups = 0;
    pcre2_pattern_info(re->find, PCRE2_INFO_CAPTURECOUNT, &groups);
    pcre2_match_data *md = borrow(re);
    sb_t b = {0};
    size_t copied = 0, from = 0;
    bool failed = false;
    while (from <= n) {
        if (run(re->find, s, n, from, md) <= 0) break;
        const PCRE2_SIZE *ov = pcre2_get_ovector_pointer(md);
        /* A \K-less pattern never ends before it starts; the guard keeps a lookbehind oddity from
         * walking backwards. */
        if (ov[0] < copied) break;
        sb_addn(&b, s + copied, ov[0] - copied);
        if (expand(re, s, ov, groups, rep, &b, err, err_size)) {
            failed = true;
            break;
        }
        copied = ov[1];
        if (!all) break;
        if (ov[1] > ov[0])
            from = ov[1];
        else if (ov[1] < n)
            from = ov[1] + ju_utf8_next(s + ov[1], n - ov[1], &(int){0});
        else
            break;
    }
    give_back(re, md);
    if (failed) {
        free(sb_take(&b));
        return NULL;
    }
    sb_addn(&b, s + copied, n - copied);
    return sb_take(&b);
}

char *java_regex_replace_all(const java_regex_t *re, const char *s, size_t n, const char *replacement,
                             char *err, size_t err_size) {
    return replace(re, s, n, replacement, true, err, err_size);
}

char *java_regex_replace_first(const java_regex_t *re, const char *s, size_t n, const char *replacement,
                               char *err, size_t err_size) {
    return replace(re, s, n, replacement, false, err, err_size);
}
