/* pg_types_time.c - the temporal types: PostgreSQL date/time/interval texts parsed and formatted as
 * java.time and PGInterval do, and the date, time, timetz, timestamp, timestamptz and interval
 * conversions under each time.precision.mode and interval.handling.mode. */
#include "connectors/postgres/pg_types_int.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "connect/json_write.h"

/* ---- dates and times --------------------------------------------------------------------------------- */

/* Proleptic Gregorian day count since 1970-01-01 (java.time's and PostgreSQL's calendar). */
int64_t pgt_days_from_civil(int64_t y, int m, int d) {
    y -= m <= 2;
    int64_t era = (y >= 0 ? y : y - 399) / 400;
    int64_t yoe = y - era * 400;
    int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + doe - 719468;
}

static void civil_from_days(int64_t z, int64_t *y, int *m, int *d) {
    z += 719468;
    int64_t era = (z >= 0 ? z : z - 146096) / 146097;
    int64_t doe = z - era * 146097;
    int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    int64_t mp = (5 * doy + 2) / 153;
    *d = (int)(doy - (153 * mp + 2) / 5 + 1);
    *m = (int)(mp < 10 ? mp + 3 : mp - 9);
    *y = yoe + era * 400 + (*m <= 2);
}

static int64_t floor_div(int64_t a, int64_t b) {
    int64_t q = a / b;
    if ((a % b != 0) && ((a < 0) != (b < 0))) q--;
    return q;
}


bool pgt_digits(const char **p, const char *end, int min, int max, int64_t *out) {
    const char *s = *p;
    int64_t v = 0;
    int k = 0;
    while (s < end && k < max && *s >= '0' && *s <= '9') {
        v = v * 10 + (*s++ - '0');
        k++;
    }
    if (k < min) return false;
    *p = s;
    *out = v;
    return true;
}

static int days_in_month(int64_t y, int m) {
    static const int dm[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    if (m == 2 && ((y % 4 == 0 && y % 100 != 0) || y % 400 == 0)) return 29;
    return dm[m - 1];
}

/* "HH:MM[:SS[.ffffff]]" */
static bool parse_time_part(const char **pp, const char *end, dt_t *t) {
    const char *p = *pp;
    int64_t h, mi, s = 0, frac = 0;
    int nf = 0;
    if (!pgt_digits(&p, end, 1, 2, &h) || p >= end || *p != ':') return false;
    p++;
    if (!pgt_digits(&p, end, 2, 2, &mi)) return false;
    if (p < end && *p == ':') {
        p++;
        if (!pgt_digits(&p, end, 2, 2, &s)) return false;
        if (p < end && *p == '.') {
            p++;
            while (p < end && *p >= '0' && *p <= '9') {
                if (nf < 6) frac = frac * 10 + (*p - '0'); /* PostgreSQL never prints more than 6 */
                nf++;
                p++;
            }
            if (!nf) return false;
            for (int i = nf; i < 6; i++) frac *= 10;
        }
    }
    if (mi > 59 || s > 60 || h > 24) return false;
    t->tod_us = ((h * 60 + mi) * 60 + s) * 1000000 + frac;
    if (t->tod_us > US_PER_DAY) return false;
    t->frac_digits = nf;
    t->has_time = true;
    *pp = p;
    return true;
}

/* "+HH[:MM[:SS]]" or "-..." */
static bool parse_offset(const char **pp, const char *end, dt_t *t) {
    const char *p = *pp;
    if (p >= end || (*p != '+' && *p != '-')) return false;
    int sign = *p++ == '-' ? -1 : 1;
    int64_t h, m = 0, s = 0;
    if (!pgt_digits(&p, end, 1, 2, &h)) return false;
    if (p < end && *p == ':') {
        p++;
        if (!pgt_digits(&p, end, 2, 2, &m)) return false;
        if (p < end && *p == ':') {
            p++;
            if (!pgt_digits(&p, end, 2, 2, &s)) return false;
        }
    }
    t->offset_s = sign * (int)(h * 3600 + m * 60 + s);
    t->has_offset = true;
    *pp = p;
    return true;
}

/* Date "Y..Y-MM-DD", then optionally " HH:MM..." and an offset, then optionally " BC". want_date: the text
 * starts with a date; otherwise with a time. */
bool pgt_parse_datetime(const char *s, size_t n, bool want_date, dt_t *t) {
    const char *p = s, *end = s + n;
    memset(t, 0, sizeof(*t));
    if (want_date) {
        int64_t y, m, d;
        if (!pgt_digits(&p, end, 4, 10, &y) || p >= end || *p != '-') return false;
        p++;
        if (!pgt_digits(&p, end, 2, 2, &m) || p >= end || *p != '-') return false;
        p++;
        if (!pgt_digits(&p, end, 2, 2, &d)) return false;
        if (m < 1 || m > 12 || y < 1 || d < 1) return false;
        t->year = y;
        t->month = (int)m;
        t->day = (int)d;
        t->has_date = true;
        if (p < end && *p == ' ' && p + 1 < end && isdigit((unsigned char)p[1])) {
            p++;
            if (!parse_time_part(&p, end, t)) return false;
        }
    } else if (!parse_time_part(&p, end, t)) {
        return false;
    }
    if (p < end && (*p == '+' || *p == '-') && !parse_offset(&p, end, t)) return false;
    if (want_date && end - p == 3 && memcmp(p, " BC", 3) == 0) {
        t->year = 1 - t->year;
        p += 3;
    }
    if (p != end) return false;
    if (t->has_date && t->day > days_in_month(t->year, t->month)) return false;
    return true;
}

/* Fixed-width decimal digits of 0 <= v < 10^width (these run for every timestamp of every row:
 * no printf). */
static size_t put_digits(char *b, int64_t v, int width) {
    for (int i = width - 1; i >= 0; i--, v /= 10) b[i] = (char)('0' + v % 10);
    return (size_t)width;
}

static size_t put2(char *b, int v) { return put_digits(b, v, 2); }

/* java.time's ISO year: 4 digits, '+' above 9999, '-' and 4-digit padding below zero. */
static size_t fmt_year(char *b, int64_t y) {
    if (y > 9999) return (size_t)sprintf(b, "+%lld", (long long)y);
    if (y < 0) return (size_t)sprintf(b, "-%04lld", -(long long)y);
    return put_digits(b, y, 4);
}

static size_t fmt_date(char *b, int64_t days) {
    int64_t y;
    int m, d;
    civil_from_days(days, &y, &m, &d);
    size_t k = fmt_year(b, y);
    b[k++] = '-';
    k += put2(b + k, m);
    b[k++] = '-';
    k += put2(b + k, d);
    b[k] = '\0';
    return k;
}

/* "HH:MM:SS" and a fraction: fixed > 0 digits, or (fixed < 0) as many as needed, none when zero
 * (java.time's ISO_LOCAL_TIME). */
static size_t fmt_time(char *b, int64_t tod_us, int fixed) {
    int64_t s = tod_us / 1000000, us = tod_us % 1000000;
    size_t k = put2(b, (int)(s / 3600));
    b[k++] = ':';
    k += put2(b + k, (int)(s / 60 % 60));
    b[k++] = ':';
    k += put2(b + k, (int)(s % 60));
    if (fixed > 0) {
        char f[9];
        put_digits(f, us * 1000, 9);
        b[k++] = '.';
        for (int i = 0; i < fixed && i < 9; i++) b[k++] = f[i];
    } else if (fixed < 0 && us) {
        char f[6];
        int nd = (int)put_digits(f, us, 6);
        while (nd > 0 && f[nd - 1] == '0') nd--;
        b[k++] = '.';
        memcpy(b + k, f, (size_t)nd);
        k += (size_t)nd;
    }
    b[k] = '\0';
    return k;
}

static size_t fmt_datetime(char *b, int64_t epoch_us, int fixed) {
    int64_t days = floor_div(epoch_us, US_PER_DAY);
    /* the remainder, not epoch_us - days * US_PER_DAY: for the values standing for +-infinity
     * (near INT64_MIN/MAX) that product overflows */
    int64_t tod = epoch_us % US_PER_DAY;
    if (tod < 0) tod += US_PER_DAY;
    size_t k = fmt_date(b, days);
    b[k++] = 'T';
    k += fmt_time(b + k, tod, fixed);
    b[k++] = 'Z';
    b[k] = '\0';
    return k;
}

/* ---- PGInterval (IntervalStyle postgres) ------------------------------------------------------------- */


static bool java_int(const char *s, size_t n, int32_t *out) {
    int64_t v;
    if (!pgt_parse_long(s, n, INT32_MIN, INT32_MAX, &v)) return false;
    *out = (int32_t)v;
    return true;
}

/* Double.parseDouble of a small token (digits, sign, point). */
bool pgt_java_double(const char *s, size_t n, double *out) {
    char buf[64];
    if (!n || n >= sizeof(buf)) return false;
    memcpy(buf, s, n);
    buf[n] = '\0';
    char *e;
    errno = 0;
    *out = strtod(buf, &e);
    return *e == '\0';
}

static bool interval_set_seconds(interval_t *iv, double seconds) {
    int64_t total = pgt_java_round(seconds * 1000000.0);
    int64_t whole = total / 1000000;
    if (whole < INT32_MIN || whole > INT32_MAX) return false;
    iv->whole_seconds = (int32_t)whole;
    iv->micros = (int32_t)(total % 1000000);
    return true;
}

/* PGInterval.setValue for the postgres style: "1 year 2 mons -3 days +04:05:06.78", "-00:00:01", "epoch". */
bool pgt_parse_interval(const char *s, size_t n, interval_t *iv) {
    memset(iv, 0, sizeof(*iv));
    int32_t years = 0, months = 0, days = 0, hours = 0, minutes = 0;
    double seconds = 0;
    const char *p = s, *end = s + n, *value_tok = NULL;
    size_t value_len = 0;
    for (int i = 1;; i++) {
        while (p < end && (isspace((unsigned char)*p) || *p == '+' || *p == '@')) p++;
        if (p >= end) break;
        const char *tok = p;
        while (p < end && !isspace((unsigned char)*p) && *p != '+' && *p != '@') p++;
        size_t tl = (size_t)(p - tok);
        if (i & 1) {
            const char *colon = memchr(tok, ':', tl);
            if (!colon) {
                value_tok = tok;
                value_len = tl;
                continue;
            }
            size_t off = tok[0] == '-' ? 1 : 0;
            size_t eh = (size_t)(colon - tok);
            if (eh < off || !java_int(tok + off, eh - off, &hours)) return false;
            if (eh + 3 > tl || !java_int(tok + eh + 1, 2, &minutes)) return false;
            const char *colon2 = memchr(tok + eh + 1, ':', tl - eh - 1);
            if (colon2) {
                size_t at = (size_t)(colon2 - tok) + 1;
                if (!pgt_java_double(tok + at, tl - at, &seconds)) return false;
            }
            if (off) {
                hours = -hours;
                minutes = -minutes;
                seconds = -seconds;
            }
            value_tok = NULL;
        } else {
            /* token.startsWith(unit), in PGInterval's order; other words are ignored */
            static const char *const units[] = {"year", "mon", "day", "hour", "min", "sec"};
            int unit = -1;
            for (int u = 0; u < 6 && unit < 0; u++)
                if (tl >= strlen(units[u]) && strncasecmp(tok, units[u], strlen(units[u])) == 0) unit = u;
            if (unit < 0) continue;
            if (!value_tok) return false;
            if (unit == 5) {
                if (!pgt_java_double(value_tok, value_len, &seconds)) return false;
                continue;
            }
            int32_t v;
            if (!java_int(value_tok, value_len, &v)) return false;
            int32_t *dst[] = {&years, &months, &days, &hours, &minutes};
            *dst[unit] = v;
        }
    }
    iv->years = years;
    iv->months = months;
    iv->days = days;
    iv->hours = hours;
    iv->minutes = minutes;
    return !isnan(seconds) && interval_set_seconds(iv, seconds);
}

static double interval_seconds(const interval_t *iv) {
    return (double)iv->whole_seconds + (double)iv->micros / 1000000.0;
}

/* MicroDuration.durationMicros with DAYS_PER_MONTH_AVG = 365.25 / 12. */
static int64_t interval_micros(const interval_t *iv) {
    int32_t ym = (int32_t)((uint32_t)iv->years * 12u + (uint32_t)iv->months);
    double days = (double)ym * (365.25 / 12.0) + (double)iv->days;
    double secs = ((days * 24 + iv->hours) * 60 + iv->minutes) * 60 + interval_seconds(iv);
    return pgt_java_d2l(secs * 1e6 + 0);
}

/* Interval.toIsoString: seconds via BigDecimal.valueOf(double), at most 9 decimals, trailing zeros stripped. */
static cd_value_t interval_iso(cd_arena_t *a, const interval_t *iv) {
    cd_buf_t b = {0};
    cd_jw_java_double(&b, interval_seconds(iv));
    dec_t sec;
    if (!pgt_dec_parse(a, b.data, b.len, &sec)) { /* cannot happen for a finite double */
        sec.neg = false;
        sec.d = "0";
        sec.n = 1;
        sec.scale = 0;
    }
    cd_buf_free(&b);
    if (sec.scale > 9) pgt_dec_set_scale(a, &sec, 9, ROUND_DOWN);
    pgt_dec_strip(&sec);
    cd_value_t ss = pgt_dec_string(a, &sec, true);
    size_t cap = ss.u.str.len + 96;
    char *o = cd_arena_alloc(a, cap);
    int k = snprintf(o, cap, "P%dY%dM%dDT%dH%dM%.*sS", iv->years, iv->months, iv->days, iv->hours, iv->minutes,
                     (int)ss.u.str.len, ss.u.str.ptr);
    return pgt_v_str(o, (size_t)k);
}

static int64_t date_infinity_days(bool negative) { return pgt_days_from_civil(-5877611, 6, negative ? 22 : 21); }

/* ---- what Debezium's snapshot reads through pgjdbc (pg_column_snapshot_value) ----------------------- */

/* pgjdbc builds java.sql.Date and Timestamp with java.util's calendar, Julian before the Gregorian
 * cutover: the first Gregorian day, 1582-10-15, and the day count of a date in the Julian calendar. */
#define CUTOVER_DAYS (-141427) /* pgt_days_from_civil(1582, 10, 15) */

static int64_t julian_days_from_civil(int64_t y, int m, int d) {
    int64_t a = (14 - m) / 12, yy = y + 4800 - a, mm = m + 12 * a - 3;
    return d + (153 * mm + 2) / 5 + 365 * yy + floor_div(yy, 4) - 32083 - 2440588;
}

/* The epoch day a snapshot's date gives: java.sql.Date.toLocalDate() takes the date's year of era,
 * month and day in that calendar, so a BC date loses its era and one in the gap the cutover left
 * (1582-10-05..14, read as Julian) lands 10 days on; the infinities are pgjdbc's
 * DATE_POSITIVE_INFINITY / DATE_NEGATIVE_INFINITY in milliseconds, read in UTC. */
static int64_t snapshot_date_days(const dt_t *t) {
    if (t->year < 1) return pgt_days_from_civil(1 - t->year, t->month, t->day);
    int64_t days = pgt_days_from_civil(t->year, t->month, t->day);
    if (days < CUTOVER_DAYS && days >= CUTOVER_DAYS - 10) return days + 10;
    return days;
}

static int64_t snapshot_date_infinity_days(bool negative) {
    return negative ? pgt_days_from_civil(292269055, 12, 2) : pgt_days_from_civil(292278994, 8, 16);
}

/* A snapshot's timestamp before the cutover: the same fields in the Julian calendar (era kept). */
static void snapshot_julian(dt_t *t, int64_t *us) {
    int64_t days = pgt_days_from_civil(t->year, t->month, t->day);
    if (days < CUTOVER_DAYS) *us += (julian_days_from_civil(t->year, t->month, t->day) - days) * US_PER_DAY;
}

cd_value_t pgt_date_value(const pg_column_t *c, int64_t days, cd_arena_t *a) {
    if (c->opt.time == PG_TIME_ISOSTRING) {
        char b[48];
        size_t k = fmt_date(b, days);
        b[k++] = 'Z';
        return pgt_v_str(cd_arena_strndup(a, b, k), k);
    }
    return cd_int(CD_TYPE_INT32, (int32_t)days);
}

int pgt_conv_date(vctx_t *x, const char *s, size_t n, cd_value_t *out) {
    int64_t days;
    dt_t t;
    if (n == 8 && memcmp(s, "infinity", 8) == 0)
        days = x->snapshot ? snapshot_date_infinity_days(false) : date_infinity_days(false);
    else if (n == 9 && memcmp(s, "-infinity", 9) == 0)
        days = x->snapshot ? snapshot_date_infinity_days(true) : date_infinity_days(true);
    else if (pgt_parse_datetime(s, n, true, &t) && !t.has_offset)
        days = x->snapshot ? snapshot_date_days(&t) : pgt_days_from_civil(t.year, t.month, t.day);
    else return pgt_bad_value(x, s, n, "not a date");
    *out = pgt_date_value(x->col, days, x->a);
    return 0;
}

cd_value_t pgt_time_value(const pg_column_t *c, const conv_t *k, int64_t us, cd_arena_t *a) {
    bool ms = pgt_time_precision(k) <= 3;
    switch (c->opt.time) {
    case PG_TIME_ADAPTIVE:
        return ms ? cd_int(CD_TYPE_INT32, (int32_t)(us / 1000)) : cd_int(CD_TYPE_INT64, us);
    case PG_TIME_CONNECT:
        return cd_int(CD_TYPE_INT32, (int32_t)(us / 1000));
    case PG_TIME_ISOSTRING: {
        char b[40];
        size_t len = fmt_time(b, us % US_PER_DAY, -1); /* LocalTime.MIDNIGHT.plus(duration) wraps 24:00 */
        b[len++] = 'Z';
        return pgt_v_str(cd_arena_strndup(a, b, len), len);
    }
    case PG_TIME_NANOSECONDS:
        return cd_int(CD_TYPE_INT64, us * 1000);
    default:
        return cd_int(CD_TYPE_INT64, us);
    }
}

int pgt_conv_time(vctx_t *x, const char *s, size_t n, cd_value_t *out) {
    dt_t t;
    if (!pgt_parse_datetime(s, n, false, &t) || t.has_offset) return pgt_bad_value(x, s, n, "not a time");
    /* time[] items reach Debezium as pgjdbc's java.sql.Time (PgArray.getArray: TimestampUtils.toTime), which
     * holds milliseconds: the microseconds are cut off before the time.precision.mode conversion */
    if (x->col->is_array) t.tod_us -= t.tod_us % 1000;
    *out = pgt_time_value(x->col, x->cv, t.tod_us, x->a);
    return 0;
}

int pgt_conv_timetz(vctx_t *x, const char *s, size_t n, cd_value_t *out) {
    dt_t t;
    if (!pgt_parse_datetime(s, n, false, &t) || !t.has_offset) return pgt_bad_value(x, s, n, "not a time with time zone");
    char b[40];
    size_t len;
    if (t.tod_us == US_PER_DAY && t.offset_s == 0) {
        len = (size_t)sprintf(b, "24:00:00"); /* PostgresTimeBoundary: the end-of-day boundary at UTC */
    } else {
        int64_t us = t.tod_us - (int64_t)t.offset_s * 1000000;
        us = ((us % US_PER_DAY) + US_PER_DAY) % US_PER_DAY;
        len = fmt_time(b, us, -1);
    }
    b[len++] = 'Z';
    *out = pgt_v_str(cd_arena_strndup(x->a, b, len), len);
    return 0;
}

int pgt_timestamp_value(vctx_t *x, int64_t us, bool infinite, cd_value_t *out) {
    bool ms = pgt_time_precision(x->cv) <= 3;
    switch (x->col->opt.time) {
    case PG_TIME_ADAPTIVE:
    case PG_TIME_ADAPTIVE_TIME_MICROSECONDS:
        *out = cd_int(CD_TYPE_INT64, ms ? floor_div(us, 1000) : us);
        return 0;
    case PG_TIME_CONNECT:
        *out = cd_int(CD_TYPE_INT64, floor_div(us, 1000));
        return 0;
    case PG_TIME_ISOSTRING: {
        char b[64];
        size_t len = fmt_datetime(b, us, -1);
        *out = pgt_v_str(cd_arena_strndup(x->a, b, len), len);
        return 0;
    }
    case PG_TIME_NANOSECONDS: {
        int64_t ns;
        if (infinite) ns = us > 0 ? INT64_MAX : INT64_MIN;
        else if (__builtin_mul_overflow(us, (int64_t)1000, &ns))
            return pgt_fail(x->errstr, x->errstr_size,
                        "Cannot convert the timestamp of column %s to nanoseconds since the epoch: it is outside "
                        "1677-09-21..2262-04-11; use time.precision.mode=microseconds for such values",
                        x->col->name);
        *out = cd_int(CD_TYPE_INT64, ns);
        return 0;
    }
    case PG_TIME_MICROSECONDS:
    default:
        *out = cd_int(CD_TYPE_INT64, us);
        return 0;
    }
}

/* Epoch microseconds of a parsed date-time (offset applied); false on overflow. */
bool pgt_dt_epoch_us(const dt_t *t, int64_t *us) {
    int64_t days = pgt_days_from_civil(t->year, t->month, t->day), v;
    if (__builtin_mul_overflow(days, US_PER_DAY, &v)) return false;
    if (__builtin_add_overflow(v, t->tod_us - (int64_t)t->offset_s * 1000000, &v)) return false;
    *us = v;
    return true;
}

int pgt_conv_timestamp(vctx_t *x, const char *s, size_t n, cd_value_t *out) {
    if (n == 8 && memcmp(s, "infinity", 8) == 0) return pgt_timestamp_value(x, TS_POS_INFINITY_US, true, out);
    if (n == 9 && memcmp(s, "-infinity", 9) == 0) return pgt_timestamp_value(x, TS_NEG_INFINITY_US, true, out);
    dt_t t;
    int64_t us;
    if (!pgt_parse_datetime(s, n, true, &t) || !pgt_dt_epoch_us(&t, &us)) return pgt_bad_value(x, s, n, "not a timestamp");
    if (x->snapshot) snapshot_julian(&t, &us);
    return pgt_timestamp_value(x, us, false, out);
}

/* ZonedTimestamp: UTC, exactly p fraction digits (ISO_OFFSET_DATE_TIME when p is 0). */
cd_value_t pgt_zoned_timestamp(const conv_t *k, int64_t us, cd_arena_t *a) {
    char b[64];
    int p = pgt_time_precision(k);
    size_t len = fmt_datetime(b, us, p > 0 && p <= 9 ? p : -1);
    return pgt_v_str(cd_arena_strndup(a, b, len), len);
}

int pgt_conv_timestamptz(vctx_t *x, const char *s, size_t n, cd_value_t *out) {
    if ((n == 8 && memcmp(s, "infinity", 8) == 0) || (n == 9 && memcmp(s, "-infinity", 9) == 0)) {
        *out = pgt_v_str(s, n);
        return 0;
    }
    dt_t t;
    int64_t us;
    if (!pgt_parse_datetime(s, n, true, &t) || !pgt_dt_epoch_us(&t, &us))
        return pgt_bad_value(x, s, n, "not a timestamp with time zone");
    if (x->snapshot) snapshot_julian(&t, &us);
    *out = pgt_zoned_timestamp(x->cv, us, x->a);
    return 0;
}

cd_value_t pgt_interval_value(const pg_column_t *c, const interval_t *iv, cd_arena_t *a) {
    if (c->opt.interval == PG_INTERVAL_STRING) return interval_iso(a, iv);
    return cd_int(CD_TYPE_INT64, interval_micros(iv));
}

int pgt_conv_interval(vctx_t *x, const char *s, size_t n, cd_value_t *out) {
    interval_t iv;
    if (!pgt_parse_interval(s, n, &iv)) return pgt_bad_value(x, s, n, "not an interval");
    *out = pgt_interval_value(x->col, &iv, x->a);
    return 0;
}
