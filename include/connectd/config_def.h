/* config_def.h - configuration definitions, as Kafka's ConfigDef has them: what a connector
 * accepts, with types, defaults, validators and documentation. The REST API's plugin config and
 * validate endpoints are generated from these, and so is the check before a config is accepted. */
#ifndef CONNECTD_CONFIG_DEF_H
#define CONNECTD_CONFIG_DEF_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>

#include "connectd/props.h"

typedef enum {
    CD_CFG_BOOLEAN,
    CD_CFG_STRING,
    CD_CFG_INT,
    CD_CFG_SHORT,
    CD_CFG_LONG,
    CD_CFG_DOUBLE,
    CD_CFG_LIST,
    CD_CFG_CLASS,
    CD_CFG_PASSWORD,
} cd_cfg_type_t;

typedef enum { CD_IMPORTANCE_HIGH, CD_IMPORTANCE_MEDIUM, CD_IMPORTANCE_LOW } cd_cfg_importance_t;
typedef enum { CD_WIDTH_NONE, CD_WIDTH_SHORT, CD_WIDTH_MEDIUM, CD_WIDTH_LONG } cd_cfg_width_t;

typedef enum {
    CD_VALID_ANY = 0,
    CD_VALID_RANGE,         /* numbers: min..max (use has_min / has_max) */
    CD_VALID_ONE_OF,        /* strings: one of `allowed` (case-insensitively when ci) */
    CD_VALID_NON_EMPTY,     /* strings: "String may not be empty" */
    CD_VALID_CONNECTOR_NAME, /* non-empty, no ISO control characters */
    CD_VALID_NON_EMPTY_STRING, /* Kafka's NonEmptyString: null passes, "" is "String must be non-empty" */
    CD_VALID_NON_NULL,       /* Kafka's NonNullValidator: "entry must be non null" */
    CD_VALID_NON_EMPTY_LIST, /* the transforms' NonEmptyListValidator: null or [] is "Empty list" */
    CD_VALID_CUSTOM          /* `custom` below */
} cd_cfg_validator_t;

/* A validator ConfigDef's own kinds cannot express. Gets the key's name as the validator sees it
 * (validator_name), whether the parsed value is null, its string form (lists: items joined by
 * ",") and its Java toString ("[a, b]" for a list). Writes Kafka's whole message to err (leaves it
 * empty when the value is valid). */
typedef void (*cd_cfg_custom_validator_t)(const char *name, bool is_null, const char *str, const char *display,
                                          char *err, size_t err_size);

/* A key without a default is required: Java's NO_DEFAULT_VALUE. A NULL default (Java's null
 * default) is spelled with has_default = true and default_value = NULL. */
typedef struct {
    const char *name;
    cd_cfg_type_t type;
    bool has_default;
    const char *default_value;
    cd_cfg_validator_t validator;
    double min, max;
    bool has_min, has_max;
    const char *const *allowed; /* NULL-terminated, for CD_VALID_ONE_OF */
    bool ci;                    /* case-insensitive ONE_OF */
    cd_cfg_importance_t importance;
    const char *documentation;
    const char *group;          /* NULL: none */
    int order;                  /* order in group; -1: none */
    cd_cfg_width_t width;
    const char *display_name;
    const char *const *dependents; /* NULL-terminated or NULL */
    /* The name the validator's messages use when it differs from `name`: Kafka embeds a plugin's
     * keys under a prefix (transforms.<alias>.) but its validators still see the plain name. */
    const char *validator_name;
    cd_cfg_custom_validator_t custom; /* CD_VALID_CUSTOM */
} cd_config_key_t;

typedef struct {
    const cd_config_key_t *keys;
    size_t n_keys;
} cd_config_def_t;

/* The outcome of validating a config: per key the value and error messages (ConfigValue). */
typedef struct cd_config_result cd_config_result_t;

/* Adds an error for a key (a connector's own cross-key checks use this). */
void cd_config_result_add_error(cd_config_result_t *r, const char *key, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

#endif
