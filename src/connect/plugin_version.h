/* plugin_version.h - KIP-891's connector.plugin.version (Kafka 4.1): a Maven version or version
 * range that the connector's plugin must satisfy. connectd has one version of each plugin, so a
 * range either takes it or names no installed version. */
#ifndef CONNECTD_PLUGIN_VERSION_H
#define CONNECTD_PLUGIN_VERSION_H

#include <stddef.h>

/* Checks spec (the key's value; NULL or "latest" takes any version) against the plugin's
 * version. Returns 0 when it matches; -1 when spec is not a valid Maven version range (errstr:
 * Maven's InvalidVersionSpecificationException message, which Kafka answers with 400); -2 when
 * it does not take the plugin's version (errstr: Kafka's "Plugin <class> not found that matches
 * the version range <range>, available versions: [<version>]"). */
int cd_plugin_version_check(const char *plugin_class, const char *plugin_version, const char *spec,
                            char *errstr, size_t errstr_size);

/* Maven's ComparableVersion order, for the versions connectd's plugins have: numbers compare as
 * numbers, qualifiers as alpha < beta < milestone < rc < snapshot < release (final, ga) < sp <
 * others; trailing zeros and release qualifiers do not count (3.4.3.Final == 3.4.3). */
int cd_version_compare(const char *a, const char *b);

#endif
