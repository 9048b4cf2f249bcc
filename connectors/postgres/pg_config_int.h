/* pg_config_int.h - what pg_config.c and pg_config_keys.c share: the literals of the enum keys,
 * each NULL-terminated and, where pg_config.h has an enum for it, in that enum's order. */
#ifndef CONNECTD_PG_CONFIG_INT_H
#define CONNECTD_PG_CONFIG_INT_H

extern const char *const pg_cfg_sslmodes[];
extern const char *const pg_cfg_plugins[];
extern const char *const pg_cfg_autocreate_modes[];
extern const char *const pg_cfg_lsn_flush_modes[];
extern const char *const pg_cfg_flush_timeout_actions[];
extern const char *const pg_cfg_offset_mismatch[];
extern const char *const pg_cfg_snapshot_modes[];
extern const char *const pg_cfg_isolation_modes[];
extern const char *const pg_cfg_locking_modes[];
extern const char *const pg_cfg_query_modes[];
extern const char *const pg_cfg_decimal_modes[];
extern const char *const pg_cfg_time_modes[];
extern const char *const pg_cfg_binary_modes[];
extern const char *const pg_cfg_hstore_modes[];
extern const char *const pg_cfg_interval_modes[];
extern const char *const pg_cfg_adjustment_modes[];
extern const char *const pg_cfg_refresh_modes[];
extern const char *const pg_cfg_processing_failure_modes[];
extern const char *const pg_cfg_converting_failure_modes[];
extern const char *const pg_cfg_watermark_strategies[];

#endif
