/* version.h - what this build is: connectd's own version, the Kafka Connect REST API version it
 * implements (what `GET /` reports, and what clients such as kcctl parse), and the git commit. */
#ifndef CONNECTD_VERSION_H
#define CONNECTD_VERSION_H

/* The Kafka Connect release whose REST contract and internal topic formats connectd follows
 * (the differential tests compare it with the real one). The FileStream plugins report it as
 * their version, as Kafka's own do. */
#define CONNECTD_KAFKA_CONNECT_VERSION "4.1.1"

const char *connectd_version(void);
/* 16 hex digits of the build's git commit, or "unknown". */
const char *connectd_commit(void);

#endif
