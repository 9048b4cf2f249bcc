/* transforms_family.h - what the transformation family files (transforms_*.c) share to define
 * their plugins: the config key initialisers of Kafka's ConfigDef.define (no group, order -1, no
 * width, display name = key) and the replace.null.with.default key most of Kafka's have. Internal
 * to src/connect. */
#ifndef CONNECTD_TRANSFORMS_FAMILY_H
#define CONNECTD_TRANSFORMS_FAMILY_H

#include "connect/transforms.h"

#define DOC_REPLACE_NULL                                                                                   \
    "Whether to replace fields that have a default value and that are null to the default value. When set " \
    "to true, the default value is used, otherwise null is used."

#define OPT(nm, ty, dflt, imp, doc, ...)                                                                    \
    {.name = nm, .type = ty, .has_default = true, .default_value = dflt, .importance = imp, .documentation = doc, \
     .order = -1, .width = CD_WIDTH_NONE, .display_name = nm, __VA_ARGS__}
#define REQ(nm, ty, imp, doc, ...)                                                                          \
    {.name = nm, .type = ty, .has_default = false, .importance = imp, .documentation = doc, .order = -1,     \
     .width = CD_WIDTH_NONE, .display_name = nm, __VA_ARGS__}
#define REPLACE_NULL_KEY OPT("replace.null.with.default", CD_CFG_BOOLEAN, "true", CD_IMPORTANCE_MEDIUM, DOC_REPLACE_NULL)
#define NKEYS(a) (sizeof(a) / sizeof(a[0]))

/* Kafka's Requirements.requireStruct and requireMap: 0, or -1 with their message ("Only Struct
 * objects supported for [<purpose>], found: <class>"). */
int cd_xf_require_struct(const cd_schema_t *s, const cd_value_t *v, const char *purpose, char *errstr,
                         size_t errstr_size);
int cd_xf_require_map(const cd_value_t *v, const char *purpose, char *errstr, size_t errstr_size);

/* n zeroed values (at least one) in the arena; a struct value of the given fields. */
cd_value_t *cd_xf_new_values(cd_arena_t *a, size_t n);
cd_value_t *cd_xf_struct_value(cd_arena_t *a, const cd_value_t *fields, size_t n);

#endif
