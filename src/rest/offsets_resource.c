/* offsets_resource.c - /connectors/{c}/offsets (KIP-875): read, alter and reset the offsets of
 * source connectors (offsets topic) and sink connectors (consumer group), sections 2.20-2.22. */
#include "rest/resources_internal.h"

#include <ctype.h>
#include <librdkafka/rdkafka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "connect/connector_config.h"
#include "connect/java_hash.h"
#include "connect/java_regex.h"
#include "connect/converter.h"
#include "connectors/registry.h"
#include "kafka/client.h"
#include "kafka/groups.h"
#include "log.h"
#include "version.h"
#include "xalloc.h"

/* ------------------------------------------------------------------ offsets (KIP-875) */

static const char *sink_group(const cd_props_t *cfg, const char *name, char *buf, size_t size) {
    const char *g = cd_props_get(cfg, "consumer.override.group.id");
    if (g && *g) return g;
    snprintf(buf, size, "connect-%s", name);
    return buf;
}

/* A consumer handle in the sink connector's group, used only for committed offsets (it never
 * subscribes, so it does not join the group). */
static rd_kafka_t *group_client(rest_api_ctx_t *api, const char *group, char *err, size_t errsize) {
    rd_kafka_conf_t *conf = kafka_client_conf(api->wc, KAFKA_ROLE_CONSUMER, "connectd-offsets-admin",
                                              err, errsize);
    if (!conf) return NULL;
    rd_kafka_conf_set(conf, "group.id", group, NULL, 0);
    rd_kafka_conf_set(conf, "enable.auto.commit", "false", NULL, 0);
    rd_kafka_t *rk = rd_kafka_new(RD_KAFKA_CONSUMER, conf, err, errsize);
    if (!rk) rd_kafka_conf_destroy(conf);
    return rk;
}

/* Every partition of the sink's topics (topics list, or topics.regex matched against the
 * cluster's topics). */
static rd_kafka_topic_partition_list_t *sink_partitions(rd_kafka_t *rk, const cd_props_t *cfg) {
    rd_kafka_topic_partition_list_t *parts = rd_kafka_topic_partition_list_new(8);
    const struct rd_kafka_metadata *md;
    if (rd_kafka_metadata(rk, 1, NULL, &md, 10000)) return parts;
    const char *topics = cd_props_get(cfg, "topics");
    const char *regex = cd_props_get(cfg, "topics.regex");
    /* KafkaConsumer.subscribe(Pattern): a topic is the sink's when the pattern matches its whole
     * name. A pattern that does not compile names no topic (validate refused it before). */
    char err[512];
    java_regex_t *re = regex && *regex ? java_regex_new(regex, 0, err, sizeof(err)) : NULL;
    bool use_re = regex && *regex;
    for (int i = 0; i < md->topic_cnt; i++) {
        const char *t = md->topics[i].topic;
        bool match = false;
        if (use_re) {
            match = re && java_regex_matches(re, t, strlen(t));
        } else if (topics) {
            char *list = strdup(topics);
            for (char *save = NULL, *tok = strtok_r(list, ", ", &save); tok && !match;
                 tok = strtok_r(NULL, ", ", &save))
                match = !strcmp(tok, t);
            free(list);
        }
        if (match)
            for (int p = 0; p < md->topics[i].partition_cnt; p++)
                rd_kafka_topic_partition_list_add(parts, t, md->topics[i].partitions[p].id);
    }
    java_regex_free(re);
    rd_kafka_metadata_destroy(md);
    return parts;
}

void api_get_offsets(void *ctx, const rest_request_t *req, rest_response_t *resp) {
    rest_api_ctx_t *api = ctx;
    cd_props_t *cfg = config_store_connector_config(api->cs, CONNECTOR);
    if (!cfg) {
        rest_error(resp, 404, "Connector %s not found", CONNECTOR);
        return;
    }
    const cd_connector_plugin_t *pl = registry_find(cd_props_get(cfg, "connector.class"));
    char err[1024];
    json_object *list = NULL;
    if (!pl || pl->type == CD_CONNECTOR_SOURCE) {
        if (offset_store_refresh(api->os, STORE_TIMEOUT_MS, err, sizeof(err)) != 0) {
            rest_error(resp, 500, "Failed to retrieve offsets for source connector %s", CONNECTOR);
            cd_props_destroy(cfg);
            return;
        }
        list = offset_store_list(api->os, CONNECTOR);
    } else {
        char gbuf[600];
        rd_kafka_t *rk = group_client(api, sink_group(cfg, CONNECTOR, gbuf, sizeof(gbuf)), err, sizeof(err));
        rd_kafka_topic_partition_list_t *parts = rk ? sink_partitions(rk, cfg) : NULL;
        if (!rk || (parts->cnt > 0 && rd_kafka_committed(rk, parts, 10000))) {
            rest_error(resp, 500, "Failed to retrieve consumer group offsets for sink connector %s", CONNECTOR);
        } else {
            /* Kafka Connect lists the HashMap<TopicPartition, OffsetAndMetadata> its admin
             * client answers with, in that map's order (TopicPartition.hashCode). */
            size_t n = 0, *idx = xmalloc(((size_t)parts->cnt + 1) * sizeof(*idx));
            uint32_t *hashes = xmalloc(((size_t)parts->cnt + 1) * sizeof(*hashes));
            for (int i = 0; i < parts->cnt; i++) {
                hashes[i] = 31u * (31u + (uint32_t)parts->elems[i].partition) + java_string_hash(parts->elems[i].topic);
                if (parts->elems[i].offset >= 0) idx[n++] = (size_t)i;
            }
            java_hash_order(idx, n, hashes, java_hashmap_capacity(n));
            list = json_object_new_array();
            for (size_t j = 0; j < n; j++) {
                int i = (int)idx[j];
                json_object *item = json_object_new_object(), *p = json_object_new_object(),
                            *o = json_object_new_object();
                json_object_object_add(p, "kafka_topic", json_object_new_string(parts->elems[i].topic));
                json_object_object_add(p, "kafka_partition", json_object_new_int(parts->elems[i].partition));
                json_object_object_add(o, "kafka_offset", json_object_new_int64(parts->elems[i].offset));
                json_object_object_add(item, "partition", p);
                json_object_object_add(item, "offset", o);
                json_object_array_add(list, item);
            }
            free(idx);
            free(hashes);
        }
        if (parts) rd_kafka_topic_partition_list_destroy(parts);
        if (rk) rd_kafka_destroy(rk);
    }
    cd_props_destroy(cfg);
    if (!list) return;
    json_object *o = json_object_new_object();
    json_object_object_add(o, "offsets", list);
    resp->status = 200;
    resp->body = o;
}

/* The preconditions of offset changes: the connector exists, is STOPPED and has no tasks; and,
 * as in Kafka Connect, whose herder runs the change after the tick that stopped the tasks, the
 * stop has taken effect: its tasks have ended (or were cancelled), so that no commit of theirs
 * lands after the change (src/worker.c, "One instance of a task"). */
static cd_props_t *stopped_connector(rest_api_ctx_t *api, const char *name, rest_response_t *resp) {
    cd_props_t *cfg = config_store_connector_config(api->cs, name);
    target_state_t st;
    if (!cfg) {
        rest_error(resp, 404, "Connector %s not found", name);
        return NULL;
    }
    if (!config_store_target_state(api->cs, name, &st) || st != TARGET_STOPPED ||
        config_store_task_count(api->cs, name) > 0) {
        rest_error(resp, 400,
                   "Connectors must be in the STOPPED state before their offsets can be modified. "
                   "This can be done for the specified connector by issuing a 'PUT' request to the "
                   "'/connectors/%s/stop' endpoint", name);
        cd_props_destroy(cfg);
        return NULL;
    }
    if (api->herder && !herder_await_stopped_tasks(api->herder, name)) {
        const cd_connector_plugin_t *pl = registry_find(cd_props_get(cfg, "connector.class"));
        rest_error(resp, 500, "Timed out while attempting to modify offsets for %s connector %s",
                   pl && pl->type == CD_CONNECTOR_SINK ? "sink" : "source", name);
        cd_props_destroy(cfg);
        return NULL;
    }
    return cfg;
}

/* The Connect schema type Kafka Connect names for a value that is not primitive. */
static const char *json_type_java(json_object *v) {
    return json_object_is_type(v, json_type_array) ? "ARRAY" : "MAP";
}

/* Parses a sink offsets entry. Returns 0, or -1 with the 400 error set. */
static int sink_entry(json_object *item, rest_response_t *resp, const char **topic, int32_t *part,
                      int64_t *off, bool *reset) {
    json_object *p = json_object_object_get(item, "partition");
    json_object *o = json_object_object_get(item, "offset");
    if (!p || json_object_is_type(p, json_type_null)) {
        rest_error(resp, 400, "The partition for a sink connector offset cannot be null or missing");
        return -1;
    }
    json_object *t, *kp;
    if (!json_object_object_get_ex(p, "kafka_topic", &t) || !json_object_object_get_ex(p, "kafka_partition", &kp)) {
        rest_error(resp, 400, "The partition for a sink connector offset must contain the keys 'kafka_topic' and 'kafka_partition'");
        return -1;
    }
    if (!t || !json_object_is_type(t, json_type_string)) {
        rest_error(resp, 400, "Kafka topic names must be valid strings and may not be null");
        return -1;
    }
    if (!kp || json_object_is_type(kp, json_type_null)) {
        rest_error(resp, 400, "Kafka partitions must be valid numbers and may not be null");
        return -1;
    }
    char *end;
    const char *ps = json_object_get_string(kp);
    long pv = strtol(ps, &end, 10);
    if (*end || !*ps) {
        rest_error(resp, 400, "Failed to parse the following Kafka partition value in the provided offsets: '%s'. Partition values for sink connectors need to be integers.", ps);
        return -1;
    }
    *topic = json_object_get_string(t);
    *part = (int32_t)pv;
    *reset = !o || json_object_is_type(o, json_type_null);
    if (*reset) return 0;
    json_object *ko;
    if (!json_object_object_get_ex(o, "kafka_offset", &ko)) {
        rest_error(resp, 400, "The offset for a sink connector should either be null or contain the key 'kafka_offset'");
        return -1;
    }
    const char *os = ko ? json_object_get_string(ko) : "null";
    long long ov = strtoll(os, &end, 10);
    if (!ko || *end || !*os) {
        rest_error(resp, 400, "Failed to parse the following Kafka offset value in the provided offsets: '%s'. Offset values for sink connectors need to be integers.", os);
        return -1;
    }
    *off = ov;
    return 0;
}

static const char *altered_message(const cd_connector_plugin_t *pl, bool reset) {
    if (pl && pl->alters_offsets)
        return reset ? "The offsets for this connector have been reset successfully"
                     : "The offsets for this connector have been altered successfully";
    return reset ? "The Connect framework-managed offsets for this connector have been reset "
                   "successfully. However, if this connector manages offsets externally, they will "
                   "need to be manually reset in the system that the connector uses."
                 : "The Connect framework-managed offsets for this connector have been altered "
                   "successfully. However, if this connector manages offsets externally, they will "
                   "need to be manually altered in the system that the connector uses.";
}

static void message(rest_response_t *resp, const char *text) {
    resp->status = 200;
    resp->body = json_object_new_object();
    json_object_object_add(resp->body, "message", json_object_new_string(text));
}

/* How long each step of a sink offsets request may take (Kafka Connect gives the whole request
 * its 90 s REST timeout). On the mock the fallback's join can take the stopped task's
 * session.timeout.ms, 45 s by default. */
#define GROUP_ADMIN_TIMEOUT_MS 60000

static log_logger_t *worker_log(void) {
    static log_logger_t *lg;
    if (!lg) lg = log_get("org.apache.kafka.connect.runtime.Worker");
    return lg;
}

/* Kafka Connect's answer when the group still has members (verb: reset or alter). */
static void group_not_empty(rest_response_t *resp, const char *name, const char *verb) {
    rest_error(resp, 500,
               "Failed to %s consumer group offsets for connector %s either because its tasks "
               "haven't stopped completely yet or the connector was resumed before the request to "
               "%s its offsets could be successfully completed. If the connector is in a stopped "
               "state, this operation can be safely retried. If it doesn't eventually succeed, the "
               "Connect cluster may need to be restarted to get rid of the zombie sink tasks.",
               verb, name, verb);
}

/* Changes a sink connector's group offsets as Kafka Connect does: a reset (offsets NULL) deletes
 * the group, an alter commits the given offsets and deletes those given as null
 * (RD_KAFKA_OFFSET_INVALID). A broker without these APIs (librdkafka's mock: the test broker and
 * embedded mode) gets the same result by a member's commit: the start of each partition stands
 * for a deleted group or offset, since sink consumers read from the earliest offset. Sets the
 * answer. */
static void modify_sink_offsets(rest_api_ctx_t *api, const cd_props_t *cfg, const char *name,
                                const cd_connector_plugin_t *pl,
                                rd_kafka_topic_partition_list_t *offsets, rest_response_t *resp) {
    bool reset = offsets == NULL;
    const char *verb = reset ? "reset" : "alter";
    char gbuf[600], err[1024] = "";
    const char *group = sink_group(cfg, name, gbuf, sizeof(gbuf));
    rd_kafka_conf_t *conf = kafka_client_conf(api->wc, KAFKA_ROLE_ADMIN, "connectd-offsets-admin",
                                              err, sizeof(err));
    rd_kafka_t *rk = conf ? rd_kafka_new(RD_KAFKA_PRODUCER, conf, err, sizeof(err)) : NULL;
    if (conf && !rk) rd_kafka_conf_destroy(conf);
    kafka_group_result_t r = KAFKA_GROUP_ERROR;
    if (rk)
        r = reset ? kafka_group_delete(rk, group, GROUP_ADMIN_TIMEOUT_MS, err, sizeof(err))
                  : kafka_group_alter_offsets(rk, group, offsets, GROUP_ADMIN_TIMEOUT_MS, err,
                                              sizeof(err));
    rd_kafka_topic_partition_list_t *all = NULL;
    if (r == KAFKA_GROUP_UNSUPPORTED) {
        log_info(worker_log(),
                 "The broker cannot %s consumer group %s through the Admin API (%s): committing "
                 "%s as a member of the group instead",
                 reset ? "delete" : "alter the offsets of", group, err,
                 reset ? "the start of each partition of the connector's topics" : "the offsets");
        if (reset) {
            all = sink_partitions(rk, cfg);
            for (int i = 0; i < all->cnt; i++) all->elems[i].offset = RD_KAFKA_OFFSET_BEGINNING;
        }
        rd_kafka_topic_partition_list_t *what = reset ? all : offsets;
        rd_kafka_conf_t *cconf = what->cnt > 0 ? kafka_client_conf(api->wc, KAFKA_ROLE_CONSUMER,
                                                                   "connectd-offsets-admin", err,
                                                                   sizeof(err))
                                               : NULL;
        if (what->cnt == 0)
            r = KAFKA_GROUP_OK;
        else if (cconf && kafka_group_commit_as_member(cconf, group, what, GROUP_ADMIN_TIMEOUT_MS,
                                                       err, sizeof(err)) == 0)
            r = KAFKA_GROUP_OK;
        else
            r = KAFKA_GROUP_ERROR;
    }
    if (r == KAFKA_GROUP_OK) {
        message(resp, altered_message(pl, reset));
    } else if (r == KAFKA_GROUP_NOT_EMPTY) {
        log_error(worker_log(), "Failed to %s consumer group offsets for connector %s: group %s "
                                "has members (%s)", verb, name, group, err);
        group_not_empty(resp, name, verb);
    } else {
        log_error(worker_log(), "Failed to %s consumer group offsets for %sconnector %s: %s", verb,
                  reset ? "sink " : "", name, err);
        rest_error(resp, 500, "Failed to %s consumer group offsets for %sconnector %s", verb,
                   reset ? "sink " : "", name);
    }
    if (all) rd_kafka_topic_partition_list_destroy(all);
    if (rk) rd_kafka_destroy(rk);
}

void api_patch_offsets(void *ctx, const rest_request_t *req, rest_response_t *resp) {
    rest_api_ctx_t *api = ctx;
    /* Checked before the connector is looked up, as Kafka Connect's resource does. */
    json_object *offsets = req->body ? json_object_object_get(req->body, "offsets") : NULL;
    if (!offsets || !json_object_is_type(offsets, json_type_array) || json_object_array_length(offsets) == 0) {
        rest_error(resp, 400, "Partitions / offsets need to be provided for an alter offsets request");
        return;
    }
    if (!api_is_leader(api)) {
        api_forward_to_leader(api, req, resp, "/offsets", NULL);
        return;
    }
    cd_props_t *cfg = stopped_connector(api, CONNECTOR, resp);
    if (!cfg) return;
    const cd_connector_plugin_t *pl = registry_find(cd_props_get(cfg, "connector.class"));
    size_t n = json_object_array_length(offsets);
    char err[1024];
    if (pl && pl->type == CD_CONNECTOR_SINK) {
        rd_kafka_topic_partition_list_t *parts = rd_kafka_topic_partition_list_new((int)n);
        bool ok = true;
        for (size_t i = 0; i < n && ok; i++) {
            const char *topic;
            int32_t part;
            int64_t off = -1;
            bool reset;
            ok = sink_entry(json_object_array_get_idx(offsets, i), resp, &topic, &part, &off, &reset) == 0;
            if (ok)
                rd_kafka_topic_partition_list_add(parts, topic, part)->offset =
                    reset ? RD_KAFKA_OFFSET_INVALID : off;
        }
        if (ok) modify_sink_offsets(api, cfg, CONNECTOR, pl, parts, resp);
        rd_kafka_topic_partition_list_destroy(parts);
        cd_props_destroy(cfg);
        return;
    }
    offset_write_t *w = calloc(n, sizeof(*w));
    char **texts = calloc(2 * n, sizeof(char *));
    bool ok = true;
    for (size_t i = 0; i < n && ok; i++) {
        json_object *item = json_object_array_get_idx(offsets, i);
        json_object *p = json_object_object_get(item, "partition");
        json_object *o = json_object_object_get(item, "offset");
        const char *bad = NULL;
        if (!p || json_object_is_type(p, json_type_null)) {
            rest_error(resp, 500, "Partition objects cannot be null");
            ok = false;
            break;
        }
        if (!json_object_is_type(p, json_type_object)) {
            rest_error(resp, 500, "Offsets may only contain primitive types as values, but field "
                                  "partition contains %s", json_type_java(p));
            ok = false;
            break;
        }
        texts[2 * i] = offset_store_json_text(p, &bad);
        if (!bad && o && json_object_is_type(o, json_type_object))
            texts[2 * i + 1] = offset_store_json_text(o, &bad);
        else if (!bad && o && !json_object_is_type(o, json_type_null))
            bad = "offset";
        if (bad) {
            json_object *bv = json_object_object_get(texts[2 * i] ? o : p, bad);
            if (!bv && !strcmp(bad, "offset")) bv = o;
            rest_error(resp, 500, "Offsets may only contain primitive types as values, but field %s contains %s",
                       bad, bv ? json_type_java(bv) : "MAP");
            ok = false;
            break;
        }
        w[i] = (offset_write_t){texts[2 * i], texts[2 * i + 1]};
    }
    /* Then the connector's own checks (Kafka Connect hands it every offset at once). */
    for (size_t i = 0; i < n && ok && pl && pl->check_offset; i++) {
        int rc = pl->check_offset(texts[2 * i], texts[2 * i + 1], err, sizeof(err));
        if (rc != 0) {
            rest_error(resp, rc == -2 ? 400 : 500, "%s", err);
            ok = false;
        }
    }
    if (ok) {
        size_t m = offset_store_kafka_order(CONNECTOR, w, n, false);
        if (offset_store_write(api->os, CONNECTOR, w, m, STORE_TIMEOUT_MS, err, sizeof(err)) != 0)
            rest_error(resp, 500, "Failed to modify offsets for source connector %s", CONNECTOR);
        else
            message(resp, altered_message(pl, false));
    }
    for (size_t i = 0; i < 2 * n; i++) free(texts[i]);
    free(texts);
    free(w);
    cd_props_destroy(cfg);
}

void api_delete_offsets(void *ctx, const rest_request_t *req, rest_response_t *resp) {
    rest_api_ctx_t *api = ctx;
    if (!api_is_leader(api)) {
        api_forward_to_leader(api, req, resp, "/offsets", NULL);
        return;
    }
    cd_props_t *cfg = stopped_connector(api, CONNECTOR, resp);
    if (!cfg) return;
    const cd_connector_plugin_t *pl = registry_find(cd_props_get(cfg, "connector.class"));
    char err[1024];
    if (pl && pl->type == CD_CONNECTOR_SINK) {
        modify_sink_offsets(api, cfg, CONNECTOR, pl, NULL, resp);
        cd_props_destroy(cfg);
        return;
    }
    if (offset_store_refresh(api->os, STORE_TIMEOUT_MS, err, sizeof(err)) != 0) {
        rest_error(resp, 500, "Failed to reset offsets for source connector %s", CONNECTOR);
        cd_props_destroy(cfg);
        return;
    }
    json_object *list = offset_store_list(api->os, CONNECTOR);
    size_t n = json_object_array_length(list);
    offset_write_t *w = calloc(n + 1, sizeof(*w));
    char **texts = calloc(n + 1, sizeof(char *));
    for (size_t i = 0; i < n; i++) {
        texts[i] = offset_store_json_text(json_object_object_get(json_object_array_get_idx(list, i), "partition"), NULL);
        w[i] = (offset_write_t){texts[i], NULL};
    }
    size_t m = offset_store_kafka_order(CONNECTOR, w, n, true);
    if (m > 0 && offset_store_write(api->os, CONNECTOR, w, m, STORE_TIMEOUT_MS, err, sizeof(err)) != 0)
        rest_error(resp, 500, "Failed to reset offsets for source connector %s", CONNECTOR);
    else
        message(resp, altered_message(pl, true));
    for (size_t i = 0; i < n; i++) free(texts[i]);
    free(texts);
    free(w);
    json_object_put(list);
    cd_props_destroy(cfg);
}

