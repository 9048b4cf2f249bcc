/* java_string.c - Java's toString() of Connect data (java_string.h). */
#include "connect/converter.h"
#include "connect/java_string.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "connect/json_write.h"

static void lit(cd_buf_t *b, const char *s) {
    cd_buf_append(b, s, strlen(s));
}

static bool is_logical(const cd_schema_t *s, const char *name) {
    return s && s->name && !strcmp(s->name, name);
}

/* java.util.Date.toString in UTC: "EEE MMM dd HH:mm:ss zzz yyyy". */
static void date_string(cd_buf_t *b, int64_t ms) {
    time_t secs = (time_t)(ms >= 0 ? ms / 1000 : (ms - 999) / 1000);
    struct tm tm;
    gmtime_r(&secs, &tm);
    char out[64];
    size_t n = strftime(out, sizeof(out), "%a %b %d %H:%M:%S UTC %Y", &tm);
    cd_buf_append(b, out, n);
}

void cd_java_to_string(cd_buf_t *b, const cd_schema_t *s, const cd_value_t *v) {
    if (!v || v->is_null) {
        lit(b, "null");
        return;
    }
    char num[32];
    switch (v->type) {
    case CD_TYPE_INT8:
    case CD_TYPE_INT16:
    case CD_TYPE_INT32:
    case CD_TYPE_INT64:
        if (is_logical(s, CD_LOGICAL_DATE)) date_string(b, v->u.i * 86400000LL);
        else if (is_logical(s, CD_LOGICAL_TIME) || is_logical(s, CD_LOGICAL_TIMESTAMP)) date_string(b, v->u.i);
        else cd_buf_append(b, num, (size_t)snprintf(num, sizeof(num), "%lld", (long long)v->u.i));
        break;
    case CD_TYPE_FLOAT32: cd_jw_java_float(b, (float)v->u.f); break;
    case CD_TYPE_FLOAT64: cd_jw_java_double(b, v->u.f); break;
    case CD_TYPE_BOOLEAN: lit(b, v->u.b ? "true" : "false"); break;
    case CD_TYPE_STRING: cd_buf_append(b, v->u.str.ptr, v->u.str.len); break;
    case CD_TYPE_BYTES:
        if (is_logical(s, CD_LOGICAL_DECIMAL)) {
            int32_t scale = 0;
            char err[256];
            cd_converter_decimal_scale(s, &scale, err, sizeof(err));
            cd_jw_big_decimal(b, (const unsigned char *)v->u.str.ptr, v->u.str.len, scale);
        } else {
            lit(b, "[B@"); /* a byte[]'s identity hash follows in Java: it differs from run to run */
        }
        break;
    case CD_TYPE_ARRAY:
        lit(b, "[");
        for (size_t i = 0; i < v->u.array.n; i++) {
            if (i) lit(b, ", ");
            cd_java_to_string(b, s ? s->value_schema : NULL, &v->u.array.items[i]);
        }
        lit(b, "]");
        break;
    case CD_TYPE_MAP:
        lit(b, "{");
        for (size_t i = 0; i < v->u.map.n; i++) {
            if (i) lit(b, ", ");
            cd_java_to_string(b, s ? s->key_schema : NULL, &v->u.map.keys[i]);
            lit(b, "=");
            cd_java_to_string(b, s ? s->value_schema : NULL, &v->u.map.values[i]);
        }
        lit(b, "}");
        break;
    case CD_TYPE_STRUCT: {
        lit(b, "Struct{");
        bool first = true;
        for (size_t i = 0; s && i < v->u.strct.n && i < s->n_fields; i++) {
            if (v->u.strct.fields[i].is_null) continue; /* Struct.toString leaves nulls out */
            if (!first) lit(b, ",");
            first = false;
            lit(b, s->fields[i].name);
            lit(b, "=");
            cd_java_to_string(b, s->fields[i].schema, &v->u.strct.fields[i]);
        }
        lit(b, "}");
        break;
    }
    }
}

void cd_java_schema_string(cd_buf_t *b, const cd_schema_t *s) {
    if (!s) {
        lit(b, "null");
        return;
    }
    lit(b, "Schema{");
    if (s->name) {
        lit(b, s->name);
        lit(b, ":");
    }
    lit(b, cd_converter_type_name(s->type));
    lit(b, "}");
}
