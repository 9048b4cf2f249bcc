/* test_config_providers.c - the ${provider:path:key} syntax of Kafka's ConfigTransformer, what
 * stays unresolved, the providers' messages, and the reverse transform of task configs. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "config_providers.h"

#define PKG "org.apache.kafka.common.config.provider."

static char dir[] = "/tmp/cp-test-XXXXXX";

static config_providers_t *providers(const char *extra_key, const char *extra_value) {
    worker_config_t *wc = worker_config_new();
    worker_config_set(wc, "config.providers", "file, env ,dir,nameonly", "test");
    worker_config_set(wc, "config.providers.file.class", PKG "FileConfigProvider", "test");
    worker_config_set(wc, "config.providers.env.class", "EnvVarConfigProvider", "test");
    worker_config_set(wc, "config.providers.env.param.allowlist.pattern", "CP_TEST_.*", "test");
    worker_config_set(wc, "config.providers.dir.class", PKG "DirectoryConfigProvider", "test");
    worker_config_set(wc, "config.providers.dir.param.allowed.paths", dir, "test");
    if (extra_key) worker_config_set(wc, extra_key, extra_value, "test");
    char err[512] = "";
    config_providers_t *cp = config_providers_new(wc, err, sizeof(err));
    worker_config_destroy(wc);
    return cp;
}

static char *resolve(config_providers_t *cp, const char *value, char *err, size_t err_size) {
    cd_props_t *p = cd_props_new();
    cd_props_set(p, "k", value);
    cd_props_t *r = config_providers_transform(cp, p, err, err_size);
    cd_props_destroy(p);
    if (!r) return NULL;
    char *v = strdup(cd_props_get(r, "k"));
    cd_props_destroy(r);
    return v;
}

static void expect(config_providers_t *cp, const char *value, const char *want) {
    char err[512] = "";
    char *got = resolve(cp, value, err, sizeof(err));
    assert_non_null(got);
    assert_string_equal(got, want);
    free(got);
}

static void test_syntax_and_unresolved(void **state) {
    (void)state;
    char path[600];
    snprintf(path, sizeof(path), "%s/a.properties", dir);
    FILE *f = fopen(path, "w");
    fputs("user = alice\npass:p\\u00e9\nwith\\:colon=c\n", f);
    fclose(f);
    snprintf(path, sizeof(path), "%s/password", dir);
    f = fopen(path, "w");
    fputs("line1\nline2\n", f); /* DirectoryConfigProvider keeps the file as it is */
    fclose(f);
    setenv("CP_TEST_A", "envA", 1);
    setenv("NOT_ALLOWED", "x", 1);
    config_providers_t *cp = providers(NULL, NULL);
    assert_non_null(cp);
    char v[1024];
    snprintf(v, sizeof(v), "u=${file:%s/a.properties:user}, p=${file:%s/a.properties:pass}", dir, dir);
    expect(cp, v, "u=alice, p=p\xc3\xa9");
    snprintf(v, sizeof(v), "${dir:%s:password}", dir);
    expect(cp, v, "line1\nline2\n");
    snprintf(v, sizeof(v), "${dir:%s/:password}", dir);
    expect(cp, v, "line1\nline2\n");
    expect(cp, "${env:CP_TEST_A}${env:NOT_ALLOWED}", "envA${env:NOT_ALLOWED}");
    /* no provider, a provider without a class, a missing key, no colon, not closed */
    expect(cp, "${vault:a:b} ${nameonly:x} ${env:CP_TEST_NONE} ${plain} ${env:CP_TEST_A",
           "${vault:a:b} ${nameonly:x} ${env:CP_TEST_NONE} ${plain} ${env:CP_TEST_A");
    snprintf(v, sizeof(v), "${dir:%s:../x}${dir:/etc:hostname}${dir:%s/nodir:password}", dir, dir);
    expect(cp, v, v); /* '/' in a key, outside allowed.paths, not a directory */
    /* the first '}' ends a variable, and $${...} keeps its first '$' */
    expect(cp, "$${env:CP_TEST_A}}", "$envA}");
    config_providers_destroy(cp);
}

static void test_provider_errors(void **state) {
    (void)state;
    config_providers_t *cp = providers(NULL, NULL);
    char err[512] = "";
    assert_null(resolve(cp, "${file:/nonexistent/f:k}", err, sizeof(err)));
    assert_string_equal(err, "Could not read properties from file /nonexistent/f");
    assert_null(resolve(cp, "${env:p:CP_TEST_A}", err, sizeof(err)));
    assert_string_equal(err, "Path is not supported for EnvVarConfigProvider, invalid value 'p'");
    config_providers_destroy(cp);

    worker_config_t *wc = worker_config_new();
    worker_config_set(wc, "config.providers", "secrets", "line 3");
    worker_config_set(wc, "config.providers.secrets.class", "io.strimzi.kafka.KubernetesSecretConfigProvider",
                      "line 4");
    assert_null(config_providers_new(wc, err, sizeof(err)));
    assert_non_null(strstr(err, "config.providers.secrets.class (from line 4): connectd does not implement the "
                                "config provider class 'io.strimzi.kafka.KubernetesSecretConfigProvider'"));
    worker_config_set(wc, "config.providers.secrets.class", PKG "FileConfigProvider", "line 4");
    worker_config_set(wc, "config.providers.secrets.param.allowed.paths", "/tmp,/a/./b/../c", "line 5");
    assert_null(config_providers_new(wc, err, sizeof(err)));
    assert_string_equal(err, "config.providers.secrets.param.allowed.paths (from line 5): Path /a/c does not exist");
    worker_config_destroy(wc);
}

static void test_reverse_transform(void **state) {
    (void)state;
    cd_props_t *raw = cd_props_new(), *task = cd_props_new();
    cd_props_set(raw, "password", "${file:/s:pw}");
    cd_props_set(raw, "user", "plain");
    cd_props_set(raw, "other", "${env:X}");
    cd_props_set(task, "password", "resolved");
    cd_props_set(task, "user", "plain");
    cd_props_set(task, "task.only", "resolved");
    config_providers_reverse(raw, task);
    assert_string_equal(cd_props_get(task, "password"), "${file:/s:pw}");
    assert_string_equal(cd_props_get(task, "task.only"), "resolved");
    assert_false(cd_props_has(task, "other"));
    cd_props_destroy(raw);
    cd_props_destroy(task);
}

static int setup(void **state) {
    (void)state;
    return mkdtemp(dir) ? 0 : -1;
}

static int teardown(void **state) {
    (void)state;
    char cmd[100];
    snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
    return system(cmd) == 0 ? 0 : -1;
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_syntax_and_unresolved),
        cmocka_unit_test(test_provider_errors),
        cmocka_unit_test(test_reverse_transform),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
