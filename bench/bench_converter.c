/* bench_converter.c - how fast the JsonConverter renders a Debezium change event (the per-record
 * cost that decides how close connectd gets to PostgreSQL's decoding speed), against the physical
 * limit of copying the same bytes with memcpy. Prints events/s and the ratio. Then the same event
 * flattened first by Debezium's ExtractNewRecordState (the task's transformation chain, as a
 * connector with transforms=unwrap runs it) and rendered: what a flattened stream costs per event
 * beside the raw one. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "connect/converter.h"
#include "connect/transforms.h"

static double now_s(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec + ts.tv_nsec / 1e9;
}

static const cd_value_t zero = {.type = CD_TYPE_INT32};
static const cd_value_t false_str = {.type = CD_TYPE_STRING, .u.str = {"false", 5}};
static const cd_schema_t s_id = {.type = CD_TYPE_INT32, .default_value = &zero};
static const cd_schema_t s_str = {.type = CD_TYPE_STRING};
static const cd_schema_t s_ostr = {.type = CD_TYPE_STRING, .optional = true};
static const cd_schema_t s_i64 = {.type = CD_TYPE_INT64};
static const cd_schema_t s_oi64 = {.type = CD_TYPE_INT64, .optional = true};
static const cd_param_t allowed[] = {{"allowed", "true,first,first_in_data_collection,last_in_data_collection,last,false,incremental"}};
static const cd_schema_t s_snap = {.type = CD_TYPE_STRING, .optional = true, .name = "io.debezium.data.Enum",
                                   .version = 1, .params = allowed, .n_params = 1, .default_value = &false_str};
static const cd_field_t row_fields[] = {{"id", &s_id}, {"first_name", &s_str}, {"last_name", &s_str}, {"email", &s_str}};
static const cd_field_t src_fields[] = {
    {"version", &s_str}, {"connector", &s_str}, {"name", &s_str}, {"ts_ms", &s_i64}, {"snapshot", &s_snap},
    {"db", &s_str}, {"sequence", &s_ostr}, {"ts_us", &s_oi64}, {"ts_ns", &s_oi64}, {"schema", &s_str},
    {"table", &s_str}, {"txId", &s_oi64}, {"lsn", &s_oi64}, {"xmin", &s_oi64}};

int main(int argc, char **argv) {
    long n = argc > 1 ? atol(argv[1]) : 500000;
    cd_schema_t row = {.type = CD_TYPE_STRUCT, .optional = true, .name = "fulfillment.public.customers.Value",
                       .fields = row_fields, .n_fields = 4, .cache_id = cd_schema_next_cache_id()};
    cd_schema_t src = {.type = CD_TYPE_STRUCT, .name = "io.debezium.connector.postgresql.Source", .version = 1,
                       .fields = src_fields, .n_fields = 14, .cache_id = cd_schema_next_cache_id()};
    cd_field_t env_fields[] = {{"before", &row}, {"after", &row}, {"source", &src}, {"op", &s_str},
                               {"ts_ms", &s_oi64}, {"ts_us", &s_oi64}, {"ts_ns", &s_oi64}};
    cd_schema_t env = {.type = CD_TYPE_STRUCT, .name = "fulfillment.public.customers.Envelope", .version = 2,
                       .fields = env_fields, .n_fields = 7, .cache_id = cd_schema_next_cache_id()};
    cd_value_t rowv[4] = {cd_int(CD_TYPE_INT32, 1004), cd_string("Anne", 4), cd_string("Kretchmar", 9),
                          cd_string("annek@noanswer.org", 18)};
    cd_value_t srcv[14] = {cd_string("3.4.0.Final", 11), cd_string("postgresql", 10), cd_string("fulfillment", 11),
                           cd_int(CD_TYPE_INT64, 1559033904863), cd_null(), cd_string("postgres", 8),
                           cd_string("[\"24023000\",\"24023128\"]", 23), cd_int(CD_TYPE_INT64, 1559033904863123),
                           cd_int(CD_TYPE_INT64, 1559033904863123000), cd_string("public", 6),
                           cd_string("customers", 9), cd_int(CD_TYPE_INT64, 555), cd_int(CD_TYPE_INT64, 24023128),
                           cd_null()};
    cd_value_t after = {.type = CD_TYPE_STRUCT, .u.strct = {rowv, 4}};
    cd_value_t source = {.type = CD_TYPE_STRUCT, .u.strct = {srcv, 14}};
    cd_value_t envv[7] = {cd_null(), after, source, cd_string("c", 1), cd_int(CD_TYPE_INT64, 1559033904863),
                          cd_int(CD_TYPE_INT64, 1559033904863123), cd_int(CD_TYPE_INT64, 1559033904863123000)};
    cd_value_t value = {.type = CD_TYPE_STRUCT, .u.strct = {envv, 7}};

    for (int schemas = 1; schemas >= 0; schemas--) {
        char err[256];
        cd_props_t *p = cd_props_new();
        cd_props_set(p, "schemas.enable", schemas ? "true" : "false");
        cd_converter_t *c = cd_converter_new("org.apache.kafka.connect.json.JsonConverter", p, false, err, sizeof(err));
        cd_props_destroy(p);
        if (!c) {
            fprintf(stderr, "%s\n", err);
            return 1;
        }
        cd_buf_t out = {0};
        double t0 = now_s();
        for (long i = 0; i < n; i++) {
            out.len = 0;
            if (cd_converter_from_connect(c, "fulfillment.public.customers", &env, &value, &out, err, sizeof(err)) < 0) {
                fprintf(stderr, "%s\n", err);
                return 1;
            }
        }
        double conv = now_s() - t0;
        size_t bytes = out.len;
        char *dst = malloc(bytes);
        volatile char sink = 0;
        t0 = now_s();
        for (long i = 0; i < n; i++) {
            memcpy(dst, out.data, bytes);
            sink ^= dst[i % bytes];
        }
        double copy = now_s() - t0;
        (void)sink;

        printf("JsonConverter schemas.enable=%-5s %zu-byte event: %.0f events/s (%.0f MB/s); memcpy of the "
               "same bytes: %.0f MB/s; ratio %.3f\n",
               schemas ? "true" : "false", bytes, n / conv, n * bytes / conv / 1e6, n * bytes / copy / 1e6,
               copy / conv);
        /* flattened: the chain, then the converter, per event, as a source task does */
        cd_props_t *xc = cd_props_new();
        cd_props_set(xc, "transforms", "unwrap");
        cd_props_set(xc, "transforms.unwrap.type", "io.debezium.transforms.ExtractNewRecordState");
        cd_xf_chain_t *chain = NULL;
        if (cd_xf_chain_new(xc, &chain, err, sizeof(err)) != 0 || !chain) {
            fprintf(stderr, "transform chain: %s\n", err);
            return 1;
        }
        cd_props_destroy(xc);
        cd_arena_t *arena = cd_arena_new();
        cd_buf_t flat = {0};
        t0 = now_s();
        for (long i = 0; i < n; i++) {
            cd_arena_reset(arena);
            cd_xf_record_t x = {.topic = "fulfillment.public.customers", .kafka_partition = -1, .kafka_offset = -1,
                                .timestamp_ms = -1, .value_schema = &env, .value = &value};
            flat.len = 0;
            if (cd_xf_chain_apply(chain, &x, arena, err, sizeof(err)) != 0 ||
                cd_converter_from_connect(c, x.topic, x.value_schema, x.value, &flat, err, sizeof(err)) < 0) {
                fprintf(stderr, "flattening: %s\n", err);
                return 1;
            }
        }
        double flattened = now_s() - t0;
        printf("  flattened by ExtractNewRecordState, then rendered (%zu bytes): %.0f events/s; cost per event "
               "%.2f times the raw event's\n",
               flat.len, n / flattened, flattened / conv);
        cd_buf_free(&flat);
        cd_arena_destroy(arena);
        cd_xf_chain_destroy(chain);
        free(dst);
        cd_buf_free(&out);
        cd_converter_destroy(c);
    }
    return 0;
}
