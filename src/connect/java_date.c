/* java_date.c - java.text.SimpleDateFormat (UTC, English) for the transformations that format or
 * parse timestamps: the pattern compiler, the formatter, and the lenient parser with
 * java.util.GregorianCalendar's field resolution (JDK 17's SimpleDateFormat.subParse,
 * Calendar.selectFields and GregorianCalendar.computeTime, for the letters connectd has). */
#include "connect/java_date.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "xalloc.h"

#define MS_PER_DAY 86400000LL
#define EPOCH_FIXED 719163LL   /* fixed date (Rata Die) of 1970-01-01 */
#define CUTOVER_FIXED 577736LL /* 1582-10-15, the first Gregorian day */

static int64_t floor_div(int64_t a, int64_t b) { return a / b - ((a % b != 0) && ((a < 0) != (b < 0))); }
static int64_t floor_mod(int64_t a, int64_t b) { return a - floor_div(a, b) * b; }

/* ---- calendars -------------------------------------------------------------------------------- */

static bool leap(int64_t y, bool julian) {
    if (julian) return floor_mod(y, 4) == 0;
    return floor_mod(y, 4) == 0 && (floor_mod(y, 100) != 0 || floor_mod(y, 400) == 0);
}

/* Fixed date of y-m-d (month 1..12, day may be past the month: it is counted on). */
static int64_t fixed(int64_t y, int m, int64_t d, bool julian) {
    int64_t p = y - 1;
    int64_t f = 365 * p + floor_div(p, 4) + floor_div(367LL * m - 362, 12) + d;
    f += julian ? -2 : -floor_div(p, 100) + floor_div(p, 400);
    if (m > 2) f -= leap(y, julian) ? 1 : 2;
    return f;
}

static void from_fixed(int64_t fd, bool julian, int64_t *y, int *m, int *d) {
    int64_t yy = floor_div((fd - 1) * 400, 146097) + 1;
    while (fixed(yy + 1, 1, 1, julian) <= fd) yy++;
    while (fixed(yy, 1, 1, julian) > fd) yy--;
    int mm = 1;
    while (mm < 12 && fixed(yy, mm + 1, 1, julian) <= fd) mm++;
    *y = yy;
    *m = mm;
    *d = (int)(fd - fixed(yy, mm, 1, julian) + 1);
}

void java_date_civil(int64_t epoch_day, int64_t *year, int *month, int *day) {
    int64_t fd = epoch_day + EPOCH_FIXED;
    from_fixed(fd, fd < CUTOVER_FIXED, year, month, day);
}

/* ---- the pattern ------------------------------------------------------------------------------- */

typedef struct {
    char letter; /* 0: literal */
    int count;
    uint32_t cp; /* the literal's code point */
} token_t;

struct java_date_format {
    char *pattern;
    token_t *tokens;
    size_t n;
    int64_t century_start_ms;
    int century_start_year;
};

#define JAVA_LETTERS "GyMdkHmsSEDFwWahKzZYuXL"
#define OUR_LETTERS "GyMLdDEaHkKhmsSzZX"

static size_t utf8_decode(const char *s, size_t len, uint32_t *cp) {
    unsigned char c = (unsigned char)s[0];
    size_t n = c < 0x80 ? 1 : (c >> 5) == 6 ? 2 : (c >> 4) == 14 ? 3 : (c >> 3) == 30 ? 4 : 1;
    if (n > len) n = 1;
    if (n == 1) {
        *cp = c;
        return 1;
    }
    uint32_t v = c & (0x7f >> n);
    for (size_t i = 1; i < n; i++) {
        if (((unsigned char)s[i] & 0xc0) != 0x80) {
            *cp = c;
            return 1;
        }
        v = (v << 6) | ((unsigned char)s[i] & 0x3f);
    }
    *cp = v;
    return n;
}

static void put_utf8(char *out, size_t *k, uint32_t cp) {
    if (cp < 0x80) {
        out[(*k)++] = (char)cp;
    } else if (cp < 0x800) {
        out[(*k)++] = (char)(0xc0 | (cp >> 6));
        out[(*k)++] = (char)(0x80 | (cp & 0x3f));
    } else if (cp < 0x10000) {
        out[(*k)++] = (char)(0xe0 | (cp >> 12));
        out[(*k)++] = (char)(0x80 | ((cp >> 6) & 0x3f));
        out[(*k)++] = (char)(0x80 | (cp & 0x3f));
    } else {
        out[(*k)++] = (char)(0xf0 | (cp >> 18));
        out[(*k)++] = (char)(0x80 | ((cp >> 12) & 0x3f));
        out[(*k)++] = (char)(0x80 | ((cp >> 6) & 0x3f));
        out[(*k)++] = (char)(0x80 | (cp & 0x3f));
    }
}

static void add_token(java_date_format_t *f, char letter, int count, uint32_t cp) {
    f->tokens = xrealloc(f->tokens, (f->n + 1) * sizeof(*f->tokens));
    f->tokens[f->n++] = (token_t){letter, count, cp};
}

static void set_century_start(java_date_format_t *f, int64_t now_ms);

java_date_format_t *java_date_format_new(const char *pattern, int64_t now_ms, bool *java_refuses, char *errstr,
                                         size_t errstr_size) {
    java_date_format_t *f = calloc(1, sizeof(*f));
    if (!f) abort();
    f->pattern = xstrdup(pattern);
    *java_refuses = true;
    size_t len = strlen(pattern);
    bool in_quote = false;
    for (size_t i = 0; i < len;) {
        uint32_t cp;
        size_t step = utf8_decode(pattern + i, len - i, &cp);
        if (cp == '\'') {
            if (i + 1 < len && pattern[i + 1] == '\'') { /* '' is a quote, in or out of quotes */
                add_token(f, 0, 1, '\'');
                i += 2;
                continue;
            }
            in_quote = !in_quote;
            i++;
            continue;
        }
        bool letter = (cp >= 'a' && cp <= 'z') || (cp >= 'A' && cp <= 'Z');
        if (in_quote || !letter) {
            add_token(f, 0, 1, cp);
            i += step;
            continue;
        }
        if (!strchr(JAVA_LETTERS, (int)cp)) {
            snprintf(errstr, errstr_size, "Illegal pattern character '%c'", (char)cp);
            java_date_format_free(f);
            return NULL;
        }
        size_t j = i;
        while (j < len && pattern[j] == (char)cp) j++;
        int count = (int)(j - i);
        if (!strchr(OUR_LETTERS, (int)cp)) {
            *java_refuses = false;
            snprintf(errstr, errstr_size,
                     "connectd does not implement the SimpleDateFormat pattern letter '%c' (in %s) yet; it "
                     "implements %s and quoted text",
                     (char)cp, pattern, OUR_LETTERS);
            java_date_format_free(f);
            return NULL;
        }
        if (cp == 'X' && count > 3) {
            snprintf(errstr, errstr_size, "invalid ISO 8601 format: length=%d", count);
            java_date_format_free(f);
            return NULL;
        }
        add_token(f, (char)cp, count, 0);
        i = j;
    }
    if (in_quote) {
        snprintf(errstr, errstr_size, "Unterminated quote");
        java_date_format_free(f);
        return NULL;
    }
    set_century_start(f, now_ms);
    return f;
}

void java_date_format_free(java_date_format_t *f) {
    if (!f) return;
    free(f->pattern);
    free(f->tokens);
    free(f);
}

const char *java_date_format_pattern(const java_date_format_t *f) { return f->pattern; }

/* ---- formatting ------------------------------------------------------------------------------- */

static const char *const MONTHS[] = {"January", "February", "March",     "April",   "May",      "June",
                                     "July",    "August",   "September", "October", "November", "December"};
static const char *const SHORT_MONTHS[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                           "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
static const char *const WEEKDAYS[] = {"Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday"};
static const char *const SHORT_WEEKDAYS[] = {"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};
static const char *const AMPM[] = {"AM", "PM"};
static const char *const ERAS[] = {"BC", "AD"};

typedef struct {
    int era; /* 0 BC, 1 AD */
    int64_t year_of_era;
    int month; /* 0..11 */
    int dom, doy, dow; /* dow: 1 Sunday .. 7 Saturday */
    int hour, minute, second, millis;
} fields_t;

static void compute_fields(int64_t ms, fields_t *o) {
    int64_t day = floor_div(ms, MS_PER_DAY), tod = ms - day * MS_PER_DAY;
    int64_t fd = day + EPOCH_FIXED;
    bool julian = fd < CUTOVER_FIXED;
    int64_t y;
    int m, d;
    from_fixed(fd, julian, &y, &m, &d);
    /* GregorianCalendar counts the days of the cutover year from its Julian January 1 */
    int64_t jan1 = fixed(y, 1, 1, julian || y == 1582);
    o->era = y > 0;
    o->year_of_era = y > 0 ? y : 1 - y;
    o->month = m - 1;
    o->dom = d;
    o->doy = (int)(fd - jan1 + 1);
    o->dow = (int)floor_mod(fd, 7) + 1;
    o->hour = (int)(tod / 3600000);
    o->minute = (int)(tod / 60000 % 60);
    o->second = (int)(tod / 1000 % 60);
    o->millis = (int)(tod % 1000);
}

typedef struct {
    char *p;
    size_t len, cap;
} sbuf_t;

static void sbuf_add(sbuf_t *b, const char *s, size_t n) {
    if (b->len + n + 1 > b->cap) {
        b->cap = (b->len + n + 1) * 2;
        b->p = xrealloc(b->p, b->cap);
    }
    memcpy(b->p + b->len, s, n);
    b->len += n;
    b->p[b->len] = '\0';
}

static void sbuf_str(sbuf_t *b, const char *s) { sbuf_add(b, s, strlen(s)); }

/* zeroPaddingNumber: at least min digits; max 2 keeps the last two (yy). */
static void sbuf_num(sbuf_t *b, int64_t v, int min, bool two) {
    char digits[32];
    if (two) v %= 100;
    bool neg = v < 0;
    uint64_t u = neg ? (uint64_t)0 - (uint64_t)v : (uint64_t)v;
    int n = snprintf(digits, sizeof(digits), "%llu", (unsigned long long)u);
    if (neg) sbuf_add(b, "-", 1);
    for (int i = n; i < min; i++) sbuf_add(b, "0", 1);
    sbuf_add(b, digits, (size_t)n);
}

char *java_date_format(const java_date_format_t *f, int64_t ms) {
    fields_t x;
    compute_fields(ms, &x);
    sbuf_t b = {0};
    sbuf_add(&b, "", 0);
    for (size_t i = 0; i < f->n; i++) {
        const token_t *t = &f->tokens[i];
        int c = t->count;
        switch (t->letter) {
        case 0: {
            char u[4];
            size_t k = 0;
            put_utf8(u, &k, t->cp);
            sbuf_add(&b, u, k);
            break;
        }
        case 'G': sbuf_str(&b, ERAS[x.era]); break;
        case 'y': sbuf_num(&b, x.year_of_era, c == 2 ? 2 : c, c == 2); break;
        case 'M':
        case 'L':
            if (c >= 4) sbuf_str(&b, MONTHS[x.month]);
            else if (c == 3) sbuf_str(&b, SHORT_MONTHS[x.month]);
            else sbuf_num(&b, x.month + 1, c, false);
            break;
        case 'd': sbuf_num(&b, x.dom, c, false); break;
        case 'D': sbuf_num(&b, x.doy, c, false); break;
        case 'E': sbuf_str(&b, c >= 4 ? WEEKDAYS[x.dow - 1] : SHORT_WEEKDAYS[x.dow - 1]); break;
        case 'a': sbuf_str(&b, AMPM[x.hour >= 12]); break;
        case 'H': sbuf_num(&b, x.hour, c, false); break;
        case 'k': sbuf_num(&b, x.hour ? x.hour : 24, c, false); break;
        case 'K': sbuf_num(&b, x.hour % 12, c, false); break;
        case 'h': sbuf_num(&b, x.hour % 12 ? x.hour % 12 : 12, c, false); break;
        case 'm': sbuf_num(&b, x.minute, c, false); break;
        case 's': sbuf_num(&b, x.second, c, false); break;
        case 'S': sbuf_num(&b, x.millis, c, false); break;
        case 'z': sbuf_str(&b, c >= 4 ? "Coordinated Universal Time" : "UTC"); break;
        case 'Z': sbuf_str(&b, "+0000"); break;
        case 'X': sbuf_str(&b, "Z"); break;
        }
    }
    return b.p;
}

/* ---- parsing ------------------------------------------------------------------------------------ */

enum { F_ERA, F_YEAR, F_MONTH, F_DOM, F_DOY, F_DOW, F_AMPM, F_HOUR, F_HOUR_OF_DAY, F_MINUTE, F_SECOND, F_MILLIS,
       F_ZONE, F_N };

/* Java's CalendarBuilder: each field's value and the order it was set in (0: unset). */
typedef struct {
    int64_t value[F_N];
    int stamp[F_N];
    int next;
} builder_t;

static void bset(builder_t *b, int field, int64_t v) {
    b->value[field] = v;
    b->stamp[field] = ++b->next;
}

/* Calendar.selectFields and GregorianCalendar.computeTime for the fields above, in UTC, lenient.
 * Returns false where Java's getTime() throws (an era that is neither BC nor AD). */
static bool establish(const builder_t *b, int64_t *out) {
    const int *st = b->stamp;
    const int64_t *v = b->value;
    int64_t year = st[F_YEAR] ? v[F_YEAR] : 1970;
    if (st[F_ERA]) {
        if (v[F_ERA] == 0) year = 1 - year;
        else if (v[F_ERA] != 1) return false;
    }
    /* time of day: HOUR_OF_DAY, or HOUR (+ AM_PM), whichever was set last */
    int hod = st[F_HOUR_OF_DAY];
    int hour_stamp = st[F_HOUR] && st[F_AMPM] ? (st[F_HOUR] > st[F_AMPM] ? st[F_HOUR] : st[F_AMPM]) : 0;
    int best = hour_stamp > hod ? hour_stamp : hod;
    if (!best) best = st[F_HOUR] > st[F_AMPM] ? st[F_HOUR] : st[F_AMPM];
    int64_t tod = 0;
    if (best) {
        if (best == hod) {
            tod = v[F_HOUR_OF_DAY];
        } else {
            tod = st[F_HOUR] ? v[F_HOUR] : 0;
            if (st[F_AMPM]) tod += 12 * v[F_AMPM];
        }
    }
    tod = ((tod * 60 + (st[F_MINUTE] ? v[F_MINUTE] : 0)) * 60 + (st[F_SECOND] ? v[F_SECOND] : 0)) * 1000 +
          (st[F_MILLIS] ? v[F_MILLIS] : 0);
    int64_t days = floor_div(tod, MS_PER_DAY);
    tod -= days * MS_PER_DAY;
    /* the date: DAY_OF_MONTH or DAY_OF_YEAR, whichever was set last; DAY_OF_WEEK alone is its
     * first occurrence in the month; MONTH alone or nothing is the first of the month */
    int dom = st[F_DOM], doy = st[F_DOY], dow = st[F_DOW];
    int bestd = dom > doy ? dom : doy;
    bool by_dow = false;
    if (!bestd) {
        bestd = dow;
        if (!bestd) bestd = dom = st[F_MONTH];
        else by_dow = true;
    }
    bool by_doy = !by_dow && bestd == doy && doy;
    int64_t gy = year, jy = year;
    int64_t mon = 0;
    if (!by_doy && st[F_MONTH]) {
        mon = v[F_MONTH];
        gy += floor_div(mon, 12);
        mon = floor_mod(mon, 12);
        jy = gy;
    }
    int64_t g = 0, j = 0;
    for (int cal = 0; cal < 2; cal++) {
        bool julian = cal == 1;
        int64_t y = julian ? jy : gy, fd;
        if (by_doy) {
            fd = fixed(y, 1, 1, julian) + v[F_DOY] - 1;
        } else {
            fd = fixed(y, (int)mon + 1, 1, julian);
            if (by_dow) {
                /* getDayOfWeekDateOnOrBefore(fd + 6, dow) */
                int64_t on = fd + 6;
                fd = on - floor_mod(on - (v[F_DOW] - 1), 7);
            } else if (st[F_DOM] && bestd == st[F_DOM]) {
                fd += v[F_DOM] - 1;
            }
        }
        if (julian) j = fd + days;
        else g = fd + days;
    }
    /* GregorianCalendar.computeTime's choice (the year before the month carried into it) */
    int64_t fd;
    if (year < 1582 || (year == 1582 && by_doy))
        fd = j;
    else
        fd = g >= CUTOVER_FIXED ? g : j;
    int64_t ms = (fd - EPOCH_FIXED) * MS_PER_DAY + tod;
    if (st[F_ZONE]) ms -= v[F_ZONE];
    *out = ms;
    return true;
}

static void set_century_start(java_date_format_t *f, int64_t now_ms) {
    /* Calendar.add(YEAR, -80) on now: the same day and time 80 years earlier (Feb 29 -> 28) */
    fields_t x;
    compute_fields(now_ms, &x);
    int64_t y = x.era ? x.year_of_era : 1 - x.year_of_era;
    int64_t ty = y - 80;
    bool julian = ty < 1582;
    int dim = (int)(fixed(ty + (x.month == 11), (x.month + 1) % 12 + 1, 1, julian) - fixed(ty, x.month + 1, 1, julian));
    int d = x.dom > dim ? dim : x.dom;
    int64_t tod = floor_mod(now_ms, MS_PER_DAY);
    f->century_start_ms = (fixed(ty, x.month + 1, d, julian) - EPOCH_FIXED) * MS_PER_DAY + tod;
    f->century_start_year = (int)ty;
}

static bool is_digit(char c) { return c >= '0' && c <= '9'; }

/* DecimalFormat.parse of an integer (parseIntegerOnly, no grouping) at *pos, within limit, as
 * Number.intValue(): false when there is no number. */
static bool parse_number(const char *t, size_t limit, size_t *pos, int64_t *out) {
    size_t p = *pos;
    if (limit - p >= 3 && !memcmp(t + p, "NaN", 3)) {
        *pos = p + 3;
        *out = 0; /* Double.NaN.intValue() */
        return true;
    }
    bool neg = false;
    if (p < limit && t[p] == '-') {
        neg = true;
        p++;
    }
    if (limit - p >= 3 && !memcmp(t + p, "\xe2\x88\x9e", 3)) { /* the infinity symbol */
        *pos = p + 3;
        *out = neg ? INT32_MIN : INT32_MAX;
        return true;
    }
    if (p >= limit || !is_digit(t[p])) return false;
    uint64_t v = 0;
    bool big = false;
    while (p < limit && is_digit(t[p])) {
        if (v > (UINT64_MAX - 9) / 10) big = true;
        if (!big) v = v * 10 + (uint64_t)(t[p] - '0');
        p++;
    }
    *pos = p;
    if (big || v > (uint64_t)INT64_MAX + neg) {
        *out = neg ? INT32_MIN : INT32_MAX; /* a Double past Long's range: intValue saturates */
        return true;
    }
    uint64_t low = neg ? (uint64_t)0 - v : v;
    *out = (int32_t)(uint32_t)(low & 0xffffffffu); /* Long.intValue keeps the low 32 bits */
    return true;
}

/* regionMatches(ignoreCase) of an ASCII name at t[p..]. */
static bool match_ci(const char *t, size_t len, size_t p, const char *name) {
    size_t n = strlen(name);
    if (len - p < n) return false;
    for (size_t i = 0; i < n; i++) {
        char a = t[p + i], b = name[i];
        if (a >= 'A' && a <= 'Z') a = (char)(a - 'A' + 'a');
        if (b >= 'A' && b <= 'Z') b = (char)(b - 'A' + 'a');
        if (a != b) return false;
    }
    return true;
}

/* matchString: the longest name matching at p; returns its index or -1. */
static int match_names(const char *t, size_t len, size_t p, const char *const *names, int n, size_t *end) {
    int best = -1;
    size_t best_len = 0;
    for (int i = 0; i < n; i++)
        if (strlen(names[i]) > best_len && match_ci(t, len, p, names[i])) {
            best = i;
            best_len = strlen(names[i]);
        }
    if (best >= 0) *end = p + best_len;
    return best;
}

/* subParseNumericZone: hh[[:]mm] after a sign; returns the end or 0. */
static size_t numeric_zone(const char *t, size_t len, size_t p, int sign, int count, bool colon, builder_t *b) {
    if (p >= len || !is_digit(t[p])) return 0;
    int hours = t[p++] - '0';
    if (p >= len) return 0;
    if (is_digit(t[p])) {
        hours = hours * 10 + (t[p++] - '0');
    } else if (count > 0 || !colon) {
        return 0;
    }
    if (hours > 23) return 0;
    int minutes = 0;
    if (count != 1) {
        if (p >= len) return 0;
        if (colon) {
            if (t[p++] != ':' || p >= len) return 0;
        }
        if (!is_digit(t[p])) return 0;
        minutes = t[p++] - '0';
        if (p >= len || !is_digit(t[p])) return 0;
        minutes = minutes * 10 + (t[p++] - '0');
        if (minutes > 59) return 0;
    }
    bset(b, F_ZONE, (int64_t)(minutes + hours * 60) * 60000 * sign);
    return p;
}

/* shouldObeyCount: the next field is numeric, so this one reads at most count characters */
static bool obey_count(const token_t *next) {
    if (!next || !next->letter) return false;
    switch (next->letter) {
    case 'M': case 'L': return next->count <= 2;
    case 'y': case 'd': case 'k': case 'H': case 'm': case 's': case 'S': case 'D': case 'h': case 'K':
        return true;
    default: return false;
    }
}

int java_date_parse(const java_date_format_t *f, const char *t, size_t len, int64_t *ms, char *errstr,
                    size_t errstr_size) {
    builder_t b = {0};
    bool ambiguous = false;
    size_t start = 0;
    for (size_t i = 0; i < f->n; i++) {
        const token_t *tk = &f->tokens[i];
        if (!tk->letter) {
            if (start >= len) return -1;
            uint32_t cp;
            size_t step = utf8_decode(t + start, len - start, &cp);
            if (cp != tk->cp) return -1; /* JDK 17 compares literals exactly */
            start += step;
            continue;
        }
        size_t pos = start;
        while (pos < len && (t[pos] == ' ' || t[pos] == '\t')) pos++;
        if (pos >= len) return -1;
        size_t actual = pos;
        bool obey = obey_count(i + 1 < f->n ? &f->tokens[i + 1] : NULL);
        size_t limit = obey ? start + (size_t)tk->count : len;
        int64_t value = 0;
        char L = tk->letter;
        bool numeric = L == 'y' || L == 'd' || L == 'D' || L == 'H' || L == 'k' || L == 'K' || L == 'h' ||
                       L == 'm' || L == 's' || L == 'S' || ((L == 'M' || L == 'L') && tk->count <= 2);
        if (numeric && (limit > len || !parse_number(t, limit, &pos, &value))) return -1;
        size_t end;
        int idx;
        switch (L) {
        case 'G':
            if ((idx = match_names(t, len, start, ERAS, 2, &end)) < 0) return -1;
            bset(&b, F_ERA, idx);
            start = end;
            continue;
        case 'y':
            if (tk->count <= 2 && pos - actual == 2 && is_digit(t[actual]) && is_digit(t[actual + 1])) {
                int amb = f->century_start_year % 100;
                ambiguous = value == amb;
                value += (f->century_start_year / 100) * 100 + (value < amb ? 100 : 0);
            }
            bset(&b, F_YEAR, value);
            break;
        case 'M':
        case 'L':
            if (tk->count <= 2) {
                bset(&b, F_MONTH, value - 1);
                break;
            }
            if ((idx = match_names(t, len, start, MONTHS, 12, &end)) < 0 &&
                (idx = match_names(t, len, start, SHORT_MONTHS, 12, &end)) < 0)
                return -1;
            bset(&b, F_MONTH, idx);
            start = end;
            continue;
        case 'E':
            if ((idx = match_names(t, len, start, WEEKDAYS, 7, &end)) < 0 &&
                (idx = match_names(t, len, start, SHORT_WEEKDAYS, 7, &end)) < 0)
                return -1;
            bset(&b, F_DOW, idx + 1);
            start = end;
            continue;
        case 'a':
            if ((idx = match_names(t, len, start, AMPM, 2, &end)) < 0) return -1;
            bset(&b, F_AMPM, idx);
            start = end;
            continue;
        case 'k': bset(&b, F_HOUR_OF_DAY, value == 24 ? 0 : value); break;
        case 'h': bset(&b, F_HOUR, value == 12 ? 0 : value); break;
        case 'K': bset(&b, F_HOUR, value); break;
        case 'H': bset(&b, F_HOUR_OF_DAY, value); break;
        case 'd': bset(&b, F_DOM, value); break;
        case 'D': bset(&b, F_DOY, value); break;
        case 'm': bset(&b, F_MINUTE, value); break;
        case 's': bset(&b, F_SECOND, value); break;
        case 'S': bset(&b, F_MILLIS, value); break;
        case 'z':
        case 'Z': {
            char c = t[pos];
            int sign = c == '+' ? 1 : c == '-' ? -1 : 0;
            if (sign) {
                if (!(end = numeric_zone(t, len, pos + 1, sign, 0, false, &b))) return -1;
                start = end;
                continue;
            }
            if ((c == 'G' || c == 'g') && match_ci(t, len, start, "GMT")) {
                pos = start + 3;
                sign = pos < len ? (t[pos] == '+' ? 1 : t[pos] == '-' ? -1 : 0) : 0;
                if (!sign) {
                    bset(&b, F_ZONE, 0);
                    start = pos;
                    continue;
                }
                if (!(end = numeric_zone(t, len, pos + 1, sign, 0, true, &b))) return -1;
                start = end;
                continue;
            }
            /* a zone name: UTC's own names read as UTC (the format's zone); Java reads any zone's
             * name, and then formats in that zone from there on, which connectd does not do */
            if (match_ci(t, len, pos, "Coordinated Universal Time")) {
                start = pos + 26;
                continue;
            }
            if (match_ci(t, len, pos, "UTC")) {
                start = pos + 3;
                continue;
            }
            if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z')) {
                size_t e = pos;
                while (e < len && e - pos < 40 && t[e] != ' ' && t[e] != ',') e++;
                snprintf(errstr, errstr_size,
                         "connectd reads no time zone names but UTC and GMT offsets, found %.*s in %.*s (with "
                         "pattern %s); use an offset (Z or X) in the timestamps",
                         (int)(e - pos), t + pos, (int)(len > 200 ? 200 : len), t, f->pattern);
                return -2;
            }
            return -1;
        }
        case 'X': {
            char c = t[pos];
            if (c == 'Z') {
                bset(&b, F_ZONE, 0);
                start = pos + 1;
                continue;
            }
            int sign = c == '+' ? 1 : c == '-' ? -1 : 0;
            if (!sign) return -1;
            if (!(end = numeric_zone(t, len, pos + 1, sign, tk->count, tk->count == 3, &b))) return -1;
            start = end;
            continue;
        }
        }
        start = pos;
    }
    if (start == 0) return -1; /* DateFormat.parse: nothing read is a ParseException */
    int64_t out;
    if (!establish(&b, &out)) return -1;
    if (ambiguous && out < f->century_start_ms) {
        b.value[F_YEAR] += 100;
        if (!establish(&b, &out)) return -1;
    }
    *ms = out;
    return 0;
}
