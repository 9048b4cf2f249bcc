/* groups.h - the consumer groups of sink connectors, for /connectors/{c}/offsets (KIP-875):
 * delete a group, alter or delete its committed offsets with the Admin API as Kafka Connect does,
 * and, for brokers without those APIs (librdkafka's mock cluster: the test broker and embedded
 * mode), a fallback that joins the group as its one member, commits and leaves. */
#ifndef CONNECTD_KAFKA_GROUPS_H
#define CONNECTD_KAFKA_GROUPS_H

#include <librdkafka/rdkafka.h>
#include <stddef.h>

typedef enum {
    KAFKA_GROUP_OK = 0,
    KAFKA_GROUP_NOT_EMPTY,   /* the group has members: its tasks are still running somewhere */
    KAFKA_GROUP_UNSUPPORTED, /* the broker lacks the APIs (found out before anything is sent):
                              * kafka_group_commit_as_member instead */
    KAFKA_GROUP_ERROR,       /* errstr says what */
} kafka_group_result_t;

/* Deletes the group (DeleteGroups). A group that does not exist is KAFKA_GROUP_OK: a reset is
 * idempotent. rk is any client handle (an admin one); every call waits at most timeout_ms. */
kafka_group_result_t kafka_group_delete(rd_kafka_t *rk, const char *group, int timeout_ms,
                                        char *errstr, size_t errstr_size);

/* Commits the offsets of the partitions whose offset is >= 0 (AlterConsumerGroupOffsets) and
 * deletes the committed offsets of those whose offset is RD_KAFKA_OFFSET_INVALID
 * (DeleteConsumerGroupOffsets). */
kafka_group_result_t kafka_group_alter_offsets(rd_kafka_t *rk, const char *group,
                                               const rd_kafka_topic_partition_list_t *offsets,
                                               int timeout_ms, char *errstr, size_t errstr_size);

/* The fallback: joins the group with a consumer built from conf (consumed, in every case),
 * commits the offsets as a member of the current generation and leaves the group. An offset
 * below 0 stands for the partition's first offset (what a deleted offset means to a consumer
 * with auto.offset.reset=earliest). On the mock, joining a group whose last member has just
 * left waits for that member's session.timeout.ms minus 1 s. Returns 0, or -1 with errstr. */
int kafka_group_commit_as_member(rd_kafka_conf_t *conf, const char *group,
                                 const rd_kafka_topic_partition_list_t *offsets, int timeout_ms,
                                 char *errstr, size_t errstr_size);

#endif
