/* signing.c - KIP-507 request signing: the HMAC algorithms under their Java names, session key
 * generation, java.util.Base64's encoder and (with its error texts) decoder, and the checks of
 * InternalRequestSignature.fromHeaders and DistributedHerder.requestNotSignedProperly. */
#include "rest/signing.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/rand.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "connect/client_overrides.h"
#include "connect/java_util.h"
#include "rest/rest.h"
#include "worker_config.h"

typedef struct {
    const char *name;             /* Java's spelling */
    const EVP_MD *(*md)(void);
    int default_bytes;            /* the SunJCE KeyGenerator's default key length */
    int min_bits;                 /* smallest key size its KeyGenerator.init accepts */
} mac_alg_t;

/* Key sizes checked against JDK 17's SunJCE: KeyGenerator.getInstance(alg).generateKey() gives
 * 64 bytes for HmacSHA1 and the digest's length for the SHA-2 ones; init(bits) refuses fewer
 * than 40 bits for the SHA-2 ones ("Key length must be at least 40 bits"), while HmacSHA1's
 * takes any positive size and fails with "Empty key" below 1 bit. */
static const mac_alg_t algs[] = {
    {"HmacSHA1", EVP_sha1, 64, 1},
    {"HmacSHA224", EVP_sha224, 28, 40},
    {"HmacSHA256", EVP_sha256, 32, 40},
    {"HmacSHA384", EVP_sha384, 48, 40},
    {"HmacSHA512", EVP_sha512, 64, 40},
};
#define N_ALGS (sizeof(algs) / sizeof(algs[0]))

static const mac_alg_t *find_alg(const char *name) {
    if (!name) return NULL;
    for (size_t i = 0; i < N_ALGS; i++)
        if (!strcasecmp(algs[i].name, name)) return &algs[i];
    return NULL;
}

const char *signing_algorithm_name(const char *algorithm) {
    const mac_alg_t *a = find_alg(algorithm);
    return a ? a->name : NULL;
}

void signing_supported_algorithms(char *out, size_t out_size) {
    /* Kafka prints a HashSet of the JVM's algorithms: the same iteration order here. */
    const char *names[N_ALGS];
    size_t order[N_ALGS];
    for (size_t i = 0; i < N_ALGS; i++) names[i] = algs[i].name;
    ju_hashmap_order(names, N_ALGS, 16, order);
    size_t off = 0;
    if (out_size == 0) return;
    out[0] = '\0';
    for (size_t i = 0; i < N_ALGS && off < out_size; i++)
        off += (size_t)snprintf(out + off, out_size - off, "%s%s", i ? ", " : "[", names[order[i]]);
    if (off < out_size) snprintf(out + off, out_size - off, "]");
}

int session_key_check_size(const char *algorithm, int64_t key_bits, char *errstr,
                           size_t errstr_size) {
    const mac_alg_t *a = find_alg(algorithm);
    if (!a) {
        snprintf(errstr, errstr_size, "%s KeyGenerator not available", algorithm ? algorithm : "null");
        return -1;
    }
    if (key_bits < a->min_bits) {
        if (a->min_bits > 1)
            snprintf(errstr, errstr_size, "Key length must be at least %d bits", a->min_bits);
        else
            snprintf(errstr, errstr_size, "Empty key");
        return -1;
    }
    if (key_bits > (int64_t)SESSION_KEY_MAX_BYTES * 8) {
        snprintf(errstr, errstr_size,
                 "Key length must be at most %d bits in connectd (a session key is %d bytes at most)",
                 SESSION_KEY_MAX_BYTES * 8, SESSION_KEY_MAX_BYTES);
        return -1;
    }
    return (int)((key_bits + 7) / 8);
}

int session_key_size(const char *algorithm, int key_bits, char *errstr, size_t errstr_size) {
    const mac_alg_t *a = find_alg(algorithm);
    if (a && key_bits == 0) return a->default_bytes;
    return session_key_check_size(algorithm, key_bits, errstr, errstr_size);
}

int session_key_generate(const char *algorithm, int key_bits, session_key_t *out, char *errstr,
                         size_t errstr_size) {
    int bytes = session_key_size(algorithm, key_bits, errstr, errstr_size);
    if (bytes < 0) return -1;
    memset(out, 0, sizeof(*out));
    if (RAND_bytes(out->key, bytes) != 1) {
        snprintf(errstr, errstr_size, "Cannot generate a session key: OpenSSL's random generator "
                                      "failed (RAND_bytes)");
        return -1;
    }
    out->len = (size_t)bytes;
    snprintf(out->algorithm, sizeof(out->algorithm), "%s", find_alg(algorithm)->name);
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    out->created_ms = (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
    return 0;
}

/* ------------------------------------------------------------------ Base64 */

static const char b64_chars[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

int signing_base64_encode(const void *in, size_t len, char *out, size_t out_size) {
    size_t need = (len + 2) / 3 * 4 + 1;
    if (len > SIZE_MAX / 2 || out_size < need) return -1;
    const unsigned char *p = in;
    size_t o = 0;
    for (size_t i = 0; i < len; i += 3) {
        unsigned v = (unsigned)p[i] << 16;
        if (i + 1 < len) v |= (unsigned)p[i + 1] << 8;
        if (i + 2 < len) v |= p[i + 2];
        out[o++] = b64_chars[(v >> 18) & 63];
        out[o++] = b64_chars[(v >> 12) & 63];
        out[o++] = i + 1 < len ? b64_chars[(v >> 6) & 63] : '=';
        out[o++] = i + 2 < len ? b64_chars[v & 63] : '=';
    }
    out[o] = '\0';
    return (int)o;
}

/* -1: not in the alphabet; -2: the padding character. */
static int b64_value(unsigned char c) {
    if (c >= 'A' && c <= 'Z') return c - 'A';
    if (c >= 'a' && c <= 'z') return c - 'a' + 26;
    if (c >= '0' && c <= '9') return c - '0' + 52;
    if (c == '+') return 62;
    if (c == '/') return 63;
    if (c == '=') return -2;
    return -1;
}

/* The steps of java.util.Base64.Decoder.decode0 (the RFC 4648 decoder, not MIME), so that the
 * same input fails with the same message. */
int signing_base64_decode(const char *in, size_t len, unsigned char *out, size_t out_size,
                          char *errstr, size_t errstr_size) {
    if (len == 0) return 0;
    if (len < 2) {
        snprintf(errstr, errstr_size, "Input byte[] should at least have 2 bytes for base64 bytes");
        return -1;
    }
    size_t sp = 0, dp = 0;
    unsigned bits = 0;
    int shiftto = 18;
    unsigned char tmp[3];
#define PUT(byte)                                                                                  \
    do {                                                                                           \
        if (dp < out_size) out[dp] = (unsigned char)(byte);                                        \
        dp++;                                                                                      \
    } while (0)
    while (sp < len) {
        unsigned char c = (unsigned char)in[sp++];
        int b = b64_value(c);
        if (b < 0) {
            if (b == -2) {
                if ((shiftto == 6 && (sp == len || in[sp++] != '=')) || shiftto == 18) {
                    snprintf(errstr, errstr_size, "Input byte array has wrong 4-byte ending unit");
                    return -1;
                }
                break;
            }
            /* Integer.toString(byte, 16) of a signed Java byte: 0xE9 is "-17". */
            int jb = (signed char)c;
            snprintf(errstr, errstr_size, "Illegal base64 character %s%x", jb < 0 ? "-" : "",
                     (unsigned)(jb < 0 ? -jb : jb));
            return -1;
        }
        bits |= (unsigned)b << shiftto;
        shiftto -= 6;
        if (shiftto < 0) {
            tmp[0] = (unsigned char)(bits >> 16);
            tmp[1] = (unsigned char)(bits >> 8);
            tmp[2] = (unsigned char)bits;
            for (int i = 0; i < 3; i++) PUT(tmp[i]);
            shiftto = 18;
            bits = 0;
        }
    }
    if (shiftto == 6) {
        PUT(bits >> 16);
    } else if (shiftto == 0) {
        PUT(bits >> 16);
        PUT(bits >> 8);
    } else if (shiftto == 12) {
        snprintf(errstr, errstr_size, "Last unit does not have enough valid bits");
        return -1;
    }
#undef PUT
    if (sp < len) {
        snprintf(errstr, errstr_size, "Input byte array has incorrect ending byte at %zu", sp);
        return -1;
    }
    if (dp > out_size) {
        snprintf(errstr, errstr_size, "Decoded Base64 value is longer than %zu bytes", out_size);
        return -1;
    }
    return (int)dp;
}

/* ------------------------------------------------------------------ signing */

static int hmac(const mac_alg_t *a, const session_key_t *k, const void *body, size_t len,
                unsigned char *out, unsigned *out_len) {
    static const unsigned char empty[1];
    return HMAC(a->md(), k->len ? k->key : empty, (int)k->len, body ? body : empty, len, out,
                out_len) ? 0 : -1;
}

int signing_sign(const session_key_t *k, const char *algorithm, const void *body, size_t len,
                 char *out_b64, size_t out_size) {
    const mac_alg_t *a = find_alg(algorithm);
    unsigned char mac[EVP_MAX_MD_SIZE];
    unsigned mac_len = 0;
    if (!a || !k || hmac(a, k, body, len, mac, &mac_len) != 0) return -1;
    return signing_base64_encode(mac, mac_len, out_b64, out_size) < 0 ? -1 : 0;
}

/* ------------------------------------------------------------------ verification */

typedef struct {
    const mac_alg_t *alg;
    unsigned char *sig; /* decoded; malloc'ed */
    size_t sig_len;
} parsed_sig_t;

/* InternalRequestSignature.fromHeaders: 1 with *ps filled, 0 when a header is missing (no
 * signature), -1 with a 400. */
static int parse_headers(const char *algorithm, const char *signature, parsed_sig_t *ps,
                         int *http_status, char *msg, size_t msg_size) {
    memset(ps, 0, sizeof(*ps));
    if (!algorithm || !signature) return 0;
    ps->alg = find_alg(algorithm);
    if (!ps->alg) {
        *http_status = 400;
        snprintf(msg, msg_size, "Algorithm %s not available", algorithm);
        return -1;
    }
    size_t len = strlen(signature);
    size_t cap = len / 4 * 3 + 3;
    ps->sig = malloc(cap);
    if (!ps->sig) {
        *http_status = 500;
        snprintf(msg, msg_size, "Out of memory decoding the request signature");
        return -1;
    }
    char why[256];
    int n = signing_base64_decode(signature, len, ps->sig, cap, why, sizeof(why));
    if (n < 0) {
        free(ps->sig);
        ps->sig = NULL;
        *http_status = 400;
        snprintf(msg, msg_size, "%s", why);
        return -1;
    }
    ps->sig_len = (size_t)n;
    return 1;
}

int signing_check_headers(const struct rest_request *req, int *http_status, char *msg,
                          size_t msg_size) {
    parsed_sig_t ps;
    int rc = parse_headers(rest_header(req, SIGNING_ALGORITHM_HEADER), rest_header(req, SIGNING_HEADER),
                           &ps, http_status, msg, msg_size);
    free(ps.sig);
    return rc < 0 ? -1 : 0;
}

int signing_verify_parts(const char *algorithm_header, const char *signature_header,
                         const void *body, size_t len, const char *verification_algorithms,
                         const session_key_t *key, int *http_status, char *msg, size_t msg_size) {
    parsed_sig_t ps;
    int rc = parse_headers(algorithm_header, signature_header, &ps, http_status, msg, msg_size);
    if (rc < 0) return -1;
    if (rc == 0) {
        *http_status = 400;
        snprintf(msg, msg_size, "Internal request missing required signature");
        return -1;
    }
    size_t n = 0;
    char **allowed = cd_client_overrides_list(verification_algorithms, &n);
    bool permitted = false;
    for (size_t i = 0; i < n; i++)
        if (!strcmp(allowed[i], algorithm_header)) permitted = true; /* List.contains: exact */
    if (!permitted) {
        /* The list as Java's List.toString prints it. */
        char list[1024];
        size_t off = (size_t)snprintf(list, sizeof(list), "[");
        for (size_t i = 0; i < n && off < sizeof(list); i++)
            off += (size_t)snprintf(list + off, sizeof(list) - off, "%s%s", i ? ", " : "", allowed[i]);
        if (off < sizeof(list)) snprintf(list + off, sizeof(list) - off, "]");
        *http_status = 400;
        snprintf(msg, msg_size,
                 "This worker does not support the '%s' key signing algorithm used by other workers. "
                 "This worker is currently configured to use: %s. Check that all workers' "
                 "configuration files permit the same set of signature algorithms, and correct any "
                 "misconfigured worker and restart it.",
                 algorithm_header, list);
        rc = -1;
    } else if (!key) {
        *http_status = 503;
        snprintf(msg, msg_size, "This worker is still starting up and has not been able to read a "
                                "session key from the config topic yet");
        rc = -1;
    } else {
        unsigned char mac[EVP_MAX_MD_SIZE];
        unsigned mac_len = 0;
        if (hmac(ps.alg, key, body, len, mac, &mac_len) != 0 || mac_len != ps.sig_len ||
            CRYPTO_memcmp(mac, ps.sig, mac_len) != 0) {
            *http_status = 403;
            snprintf(msg, msg_size, "Internal request contained invalid signature.");
            rc = -1;
        } else {
            rc = 0;
        }
    }
    cd_client_overrides_list_free(allowed, n);
    free(ps.sig);
    return rc;
}

int signing_verify(const struct rest_request *req, const struct worker_config *wc,
                   const session_key_t *key, int *http_status, char *msg, size_t msg_size) {
    return signing_verify_parts(rest_header(req, SIGNING_ALGORITHM_HEADER),
                                rest_header(req, SIGNING_HEADER), req->raw_body, req->raw_body_len,
                                worker_config_get(wc, "inter.worker.verification.algorithms"), key,
                                http_status, msg, msg_size);
}
