/* test_signing.c - KIP-507 request signing: signatures equal to Java's Mac over the same key and
 * body, java.util.Base64's decoder and its messages, session key sizes and generation, and the
 * verification order, statuses and texts of Kafka Connect 4.1's DistributedHerder. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "log.h"
#include "rest/signing.h"

static session_key_t key_of(const char *alg, const unsigned char *bytes, size_t len) {
    session_key_t k;
    memset(&k, 0, sizeof(k));
    memcpy(k.key, bytes, len);
    k.len = len;
    snprintf(k.algorithm, sizeof(k.algorithm), "%s", alg);
    k.created_ms = 1700000000000LL;
    return k;
}

/* Expected values produced once with JDK 17 (javac/java on this machine), by a program that for
 * each case ran Mac.getInstance(alg), mac.init(new SecretKeySpec(key, alg)) and printed
 * Base64.getEncoder().encodeToString(mac.doFinal(body.getBytes(UTF_8))). Keys: k32 = bytes 0..31,
 * kspec = the Base64 key of spec/connect-internal-topics.md 4.2, k64 = 64 bytes of 0xAB, k5 =
 * "Jefe!". */
static void test_signatures_equal_javas(void **state) {
    (void)state;
    unsigned char k32[32], k64[64], kspec[32];
    for (int i = 0; i < 32; i++) k32[i] = (unsigned char)i;
    memset(k64, 0xAB, sizeof(k64));
    char err[128];
    assert_int_equal(signing_base64_decode("3q2+7wAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=", 44, kspec,
                                           sizeof(kspec), err, sizeof(err)), 32);
    const char *arr = "[{\"task.class\":\"T\",\"k\":\"v\"}]";
    static const struct {
        const char *alg, *key, *body, *want;
    } cases[] = {
        {"HmacSHA256", "k32", "arr", "Dfcm7rkxjmQZAmZauZaQslqx85N1ol+uboMyOkeFfJ4="},
        {"HmacSHA256", "kspec", "", "v1UVFJz3l5VcTTGUzKQkcogygZUWl8g3XZ2bEH84QiU="},
        {"HmacSHA512", "k64", "{\"name\":\"caf\xc3\xa9\"}",
         "tQk/wBPn+1FFGgRGlCRPO8bS2y5NDIVpSvIPCvERLPRrv69jbgBmLQZi5hQmHpv5/ceOxRNRut2U2lj3LitHvQ=="},
        {"HmacSHA1", "k64", "arr", "Lwd2tlTf/Xi5ZzLTtYBttRgYR1Y="},
        {"HmacSHA224", "k5", "arr", "j9TOiFw6j8psLjM6jNmBInyhz2gZZ6kkA6UJLg=="},
        {"HmacSHA384", "k32", "", "j4aDrvJXVhW+CRu2zaRLsQPI/H9o3Qh5gk/6wkbo8sp0ccYF1T9plBxRtHVJFoIW"},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        session_key_t k;
        if (!strcmp(cases[i].key, "k32")) k = key_of("HmacSHA256", k32, 32);
        else if (!strcmp(cases[i].key, "kspec")) k = key_of("HmacSHA256", kspec, 32);
        else if (!strcmp(cases[i].key, "k64")) k = key_of("HmacSHA512", k64, 64);
        else k = key_of("HmacSHA224", (const unsigned char *)"Jefe!", 5);
        const char *body = !strcmp(cases[i].body, "arr") ? arr : cases[i].body;
        char sig[128];
        assert_int_equal(signing_sign(&k, cases[i].alg, body, strlen(body), sig, sizeof(sig)), 0);
        assert_string_equal(sig, cases[i].want);
        /* The receiving side accepts it, over the same bytes. */
        int status = 0;
        char msg[512];
        char list[64];
        snprintf(list, sizeof(list), "HmacSHA256, %s", cases[i].alg);
        if (signing_verify_parts(cases[i].alg, sig, body, strlen(body), list, &k, &status, msg,
                                 sizeof(msg)) != 0)
            fail_msg("case %zu: %d %s", i, status, msg);
    }
    /* An unknown algorithm, and an out buffer too small for the signature. */
    session_key_t k = key_of("HmacSHA256", k32, 32);
    char sig[128];
    assert_int_equal(signing_sign(&k, "HmacMD5", "x", 1, sig, sizeof(sig)), -1);
    assert_int_equal(signing_sign(&k, "HmacSHA512", "x", 1, sig, 60), -1);
    /* The JCE finds algorithms without regard to case. */
    assert_int_equal(signing_sign(&k, "hmacsha256", arr, strlen(arr), sig, sizeof(sig)), 0);
    assert_string_equal(sig, "Dfcm7rkxjmQZAmZauZaQslqx85N1ol+uboMyOkeFfJ4=");
}

/* Outcomes produced once with JDK 17's Base64.getDecoder().decode(String): the decoded bytes
 * re-encoded, or the IllegalArgumentException message. */
static void test_base64_decoder_is_javas(void **state) {
    (void)state;
    static const struct {
        const char *in, *want_b64, *want_err;
    } cases[] = {
        {"", "", NULL},
        {"ab-c", NULL, "Illegal base64 character 2d"},
        {"abc", "abc=", NULL},
        {"a b", NULL, "Illegal base64 character 20"},
        {"YWJj\n", NULL, "Illegal base64 character a"},
        {"Y", NULL, "Input byte[] should at least have 2 bytes for base64 bytes"},
        {"YQ", "YQ==", NULL},
        {"YQ=", NULL, "Input byte array has wrong 4-byte ending unit"},
        {"YQ==", "YQ==", NULL},
        {"YQ==x", NULL, "Input byte array has incorrect ending byte at 4"},
        {"YWJj=", NULL, "Input byte array has wrong 4-byte ending unit"},
        {"YWJjZA", "YWJjZA==", NULL},
        {"YWJjZA=x", NULL, "Input byte array has wrong 4-byte ending unit"},
        {"YWI", "YWI=", NULL},
        {"YWI=", "YWI=", NULL},
        {"Y===", NULL, "Last unit does not have enough valid bits"},
        {"YW==", "YQ==", NULL},
        {"\xe9" "A", NULL, "Illegal base64 character -17"},
        {"Zm9v_", NULL, "Illegal base64 character 5f"},
        {"Zm9vYmFy", "Zm9vYmFy", NULL},
        {"Zm9vYg==", "Zm9vYg==", NULL},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        unsigned char out[64];
        char err[128] = "", b64[128] = "";
        int n = signing_base64_decode(cases[i].in, strlen(cases[i].in), out, sizeof(out), err,
                                      sizeof(err));
        if (cases[i].want_err) {
            if (n != -1 || strcmp(err, cases[i].want_err) != 0)
                fail_msg("case %zu '%s': got %d '%s', want '%s'", i, cases[i].in, n, err, cases[i].want_err);
        } else {
            if (n < 0) fail_msg("case %zu '%s': %s", i, cases[i].in, err);
            assert_true(signing_base64_encode(out, (size_t)n, b64, sizeof(b64)) >= 0);
            assert_string_equal(b64, cases[i].want_b64);
        }
    }
    /* Never written past out_size. */
    unsigned char small[2];
    char err[128];
    assert_int_equal(signing_base64_decode("Zm9vYmFy", 8, small, sizeof(small), err, sizeof(err)), -1);
    char b64[16];
    assert_int_equal(signing_base64_encode("abcdef", 6, b64, 8), -1);
    assert_int_equal(signing_base64_encode("abcdef", 6, b64, 9), 8);
    assert_string_equal(b64, "YWJjZGVm");
}

static void test_algorithms_and_key_sizes(void **state) {
    (void)state;
    char list[256];
    signing_supported_algorithms(list, sizeof(list));
    /* Java 17: System.out.println(new HashSet<>(Arrays.asList("HmacSHA1", "HmacSHA224",
     * "HmacSHA256", "HmacSHA384", "HmacSHA512"))). */
    assert_string_equal(list, "[HmacSHA224, HmacSHA256, HmacSHA1, HmacSHA384, HmacSHA512]");
    assert_string_equal(signing_algorithm_name("hmacSHA384"), "HmacSHA384");
    assert_null(signing_algorithm_name("HmacMD5"));
    assert_null(signing_algorithm_name(""));

    /* KeyGenerator.getInstance(alg).generateKey().getEncoded().length on JDK 17, and init(bits). */
    char err[128];
    assert_int_equal(session_key_size("HmacSHA1", 0, err, sizeof(err)), 64);
    assert_int_equal(session_key_size("HmacSHA224", 0, err, sizeof(err)), 28);
    assert_int_equal(session_key_size("HmacSHA256", 0, err, sizeof(err)), 32);
    assert_int_equal(session_key_size("HmacSHA384", 0, err, sizeof(err)), 48);
    assert_int_equal(session_key_size("HmacSHA512", 0, err, sizeof(err)), 64);
    assert_int_equal(session_key_size("HmacSHA256", 41, err, sizeof(err)), 6);
    assert_int_equal(session_key_size("HmacSHA256", 4096, err, sizeof(err)), 512);
    assert_int_equal(session_key_size("HmacSHA1", 8, err, sizeof(err)), 1);
    assert_int_equal(session_key_size("HmacSHA256", 39, err, sizeof(err)), -1);
    assert_string_equal(err, "Key length must be at least 40 bits");
    assert_int_equal(session_key_check_size("HmacSHA1", 0, err, sizeof(err)), -1);
    assert_string_equal(err, "Empty key");
    assert_int_equal(session_key_size("HmacFoo", 0, err, sizeof(err)), -1);
    assert_string_equal(err, "HmacFoo KeyGenerator not available");
    assert_int_equal(session_key_size("HmacSHA256", SESSION_KEY_MAX_BYTES * 8 + 1, err, sizeof(err)), -1);
    assert_non_null(strstr(err, "at most 8192 bits"));

    session_key_t a, b;
    assert_int_equal(session_key_generate("hmacsha256", 0, &a, err, sizeof(err)), 0);
    assert_int_equal(a.len, 32);
    assert_string_equal(a.algorithm, "HmacSHA256"); /* the key's algorithm: Java's spelling */
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    int64_t now = (int64_t)ts.tv_sec * 1000;
    assert_true(a.created_ms > now - 60000 && a.created_ms <= now + 1000);
    assert_int_equal(session_key_generate("HmacSHA256", 0, &b, err, sizeof(err)), 0);
    assert_memory_not_equal(a.key, b.key, 32);
    assert_int_equal(session_key_generate("HmacSHA512", 1024, &b, err, sizeof(err)), 0);
    assert_int_equal(b.len, 128);
    assert_int_equal(session_key_generate("HmacSHA256", 16, &b, err, sizeof(err)), -1);
    assert_string_equal(err, "Key length must be at least 40 bits");
}

static void verify_fails(const char *alg, const char *sig, const char *body, const char *list,
                         const session_key_t *k, int want_status, const char *want_msg) {
    int status = 0;
    char msg[1024] = "";
    assert_int_equal(signing_verify_parts(alg, sig, body, body ? strlen(body) : 0, list, k, &status,
                                          msg, sizeof(msg)), -1);
    assert_int_equal(status, want_status);
    assert_string_equal(msg, want_msg);
}

static void test_verification_order_and_texts(void **state) {
    (void)state;
    unsigned char bytes[32];
    for (int i = 0; i < 32; i++) bytes[i] = (unsigned char)i;
    session_key_t k = key_of("HmacSHA256", bytes, 32);
    const char *body = "[{\"task.class\":\"T\",\"k\":\"v\"}]";
    const char *good = "Dfcm7rkxjmQZAmZauZaQslqx85N1ol+uboMyOkeFfJ4=";
    int status = 0;
    char msg[1024];
    assert_int_equal(signing_verify_parts("HmacSHA256", good, body, strlen(body), "HmacSHA256", &k,
                                          &status, msg, sizeof(msg)), 0);

    /* Either header missing is no signature at all. */
    verify_fails(NULL, good, body, "HmacSHA256", &k, 400, "Internal request missing required signature");
    verify_fails("HmacSHA256", NULL, body, "HmacSHA256", &k, 400,
                 "Internal request missing required signature");
    /* Header errors come first, even without a key. */
    verify_fails("HmacFoo", good, body, "HmacSHA256", NULL, 400, "Algorithm HmacFoo not available");
    verify_fails("HmacSHA256", "not-base64", body, "HmacSHA256", NULL, 400,
                 "Illegal base64 character 2d");
    /* An algorithm the JCE knows but the configuration does not list (an exact match). */
    verify_fails("HmacSHA512", good, body, "HmacSHA256, HmacSHA384", NULL, 400,
                 "This worker does not support the 'HmacSHA512' key signing algorithm used by other "
                 "workers. This worker is currently configured to use: [HmacSHA256, HmacSHA384]. "
                 "Check that all workers' configuration files permit the same set of signature "
                 "algorithms, and correct any misconfigured worker and restart it.");
    verify_fails("hmacsha256", good, body, "HmacSHA256", &k, 400,
                 "This worker does not support the 'hmacsha256' key signing algorithm used by other "
                 "workers. This worker is currently configured to use: [HmacSHA256]. Check that all "
                 "workers' configuration files permit the same set of signature algorithms, and "
                 "correct any misconfigured worker and restart it.");
    /* No key read yet. */
    verify_fails("HmacSHA256", good, body, "HmacSHA256", NULL, 503,
                 "This worker is still starting up and has not been able to read a session key from "
                 "the config topic yet");
    /* Another body, another key, a truncated signature, another algorithm's signature. */
    verify_fails("HmacSHA256", good, "[]", "HmacSHA256", &k, 403, "Internal request contained invalid signature.");
    session_key_t other = k;
    other.key[0] ^= 1;
    verify_fails("HmacSHA256", good, body, "HmacSHA256", &other, 403,
                 "Internal request contained invalid signature.");
    verify_fails("HmacSHA256", "Dfcm7rkxjmQZAmZauZaQslqx85N1ol+uboMyOkeFfA==", body, "HmacSHA256",
                 &k, 403, "Internal request contained invalid signature.");
    verify_fails("HmacSHA256", "", body, "HmacSHA256", &k, 403, "Internal request contained invalid signature.");
    verify_fails("HmacSHA1", good, body, "HmacSHA256,HmacSHA1", &k, 403,
                 "Internal request contained invalid signature.");
    /* An empty body (PUT /connectors/{c}/fence) is signed as zero bytes. */
    char sig[128];
    assert_int_equal(signing_sign(&k, "HmacSHA256", NULL, 0, sig, sizeof(sig)), 0);
    assert_int_equal(signing_verify_parts("HmacSHA256", sig, NULL, 0, "HmacSHA256", &k, &status,
                                          msg, sizeof(msg)), 0);
    assert_int_equal(signing_verify_parts("HmacSHA256", sig, "", 0, "HmacSHA256", &k, &status,
                                          msg, sizeof(msg)), 0);
    /* A huge signature header is decoded and compared, not trusted. */
    size_t big = 30000;
    char *huge = malloc(big + 1);
    memset(huge, 'A', big);
    huge[big] = '\0';
    verify_fails("HmacSHA256", huge, body, "HmacSHA256", &k, 403, "Internal request contained invalid signature.");
    free(huge);
}

int main(void) {
    log_set_level("root", LOG_LEVEL_ERROR, NULL);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_signatures_equal_javas),
        cmocka_unit_test(test_base64_decoder_is_javas),
        cmocka_unit_test(test_algorithms_and_key_sizes),
        cmocka_unit_test(test_verification_order_and_texts),
    };
    int failed = cmocka_run_group_tests(tests, NULL, NULL);
    log_shutdown();
    return failed;
}
