/* metrics_resource.c - GET /metrics: the worker's metrics in Prometheus' text format (0.0.4), named
 * as the Prometheus JMX exporter names Kafka Connect's and Debezium's MBeans under the rules of
 * config/metrics/kafka-connect-metrics.yml, so that dashboards and alerts made for a JVM worker
 * scraped through Strimzi's metricsConfig work unchanged. Each worker shows what it runs. */
#include "rest/resources_internal.h"

#include "metrics.h"

void api_get_metrics(void *ctx, const rest_request_t *req, rest_response_t *resp) {
    (void)req;
    rest_api_ctx_t *api = ctx;
    if (!api->herder) {
        rest_error(resp, 503, "The worker is starting; metrics are there once it has started");
        return;
    }
    metrics_out_t *o = metrics_out_new();
    herder_metrics(api->herder, o);
    resp->text = metrics_out_render(o, &resp->text_len);
    metrics_out_destroy(o);
    resp->content_type = METRICS_CONTENT_TYPE;
    resp->status = 200;
}
