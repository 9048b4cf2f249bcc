/* signing.h - inter-worker request signing (KIP-507): session keys, the HMAC signature of an
 * internal request's body (X-Connect-Authorization, X-Connect-Request-Signature-Algorithm) and
 * its verification with Kafka Connect 4.1's order, statuses and texts. On OpenSSL's libcrypto.
 * Only the body bytes are signed: Kafka signs neither method, path nor time. */
#ifndef CONNECTD_REST_SIGNING_H
#define CONNECTD_REST_SIGNING_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct rest_request;
struct worker_config;

#define SIGNING_HEADER "X-Connect-Authorization"
#define SIGNING_ALGORITHM_HEADER "X-Connect-Request-Signature-Algorithm"

/* Java's KeyGenerator takes any size from 40 bits up (HmacSHA1: from 1); connectd keeps keys of
 * up to 8192 bits, far beyond any use, so that a key a Java leader wrote can be read. */
#define SESSION_KEY_MAX_BYTES 1024

/* A session key, as the config topic's session-key record carries it. */
typedef struct {
    unsigned char key[SESSION_KEY_MAX_BYTES];
    size_t len;
    char algorithm[32]; /* the key's algorithm, Java's spelling: "HmacSHA256" */
    int64_t created_ms; /* creation-timestamp, epoch ms */
} session_key_t;

/* Java's name of a MAC (and key generator) algorithm connectd supports, looked up without regard
 * to case as the JCE does ("hmacsha256" -> "HmacSHA256"); NULL when unsupported. */
const char *signing_algorithm_name(const char *algorithm);

/* The algorithms connectd supports as Java prints a HashSet of them:
 * "[HmacSHA224, HmacSHA256, HmacSHA1, HmacSHA384, HmacSHA512]". */
void signing_supported_algorithms(char *out, size_t out_size);

/* The length in bytes of the keys a KeyGenerator for algorithm makes with key_bits (0: the
 * algorithm's default: 64 bytes for HmacSHA1, else the digest's size, 32 for HmacSHA256).
 * Returns -1 with Java's message in errstr when the generator refuses the size ("Key length must
 * be at least 40 bits") or the algorithm is unknown ("HmacFoo KeyGenerator not available"). */
int session_key_size(const char *algorithm, int key_bits, char *errstr, size_t errstr_size);
/* The same for a size given explicitly (inter.worker.key.size set), where 0 is a size too and
 * refused as Java refuses it: what DistributedConfig checks at start-up. */
int session_key_check_size(const char *algorithm, int64_t key_bits, char *errstr,
                           size_t errstr_size);

/* A new random key (RAND_bytes) for algorithm with key_bits (0: the default), created now (wall
 * clock). Returns 0, or -1 with errstr (as session_key_size, or the random generator failed). */
int session_key_generate(const char *algorithm, int key_bits, session_key_t *out, char *errstr,
                         size_t errstr_size);

/* Base64 with the standard alphabet and padding (java.util.Base64.getEncoder()). Returns the
 * length written (NUL included in out_size), or -1 when out is too small. */
int signing_base64_encode(const void *in, size_t len, char *out, size_t out_size);
/* java.util.Base64.getDecoder().decode: the same alphabet, padding optional but checked. Returns
 * the decoded length, or -1 with Java's IllegalArgumentException message in errstr ("Illegal
 * base64 character 2d"), or when out (out_size bytes) is too small. */
int signing_base64_decode(const char *in, size_t len, unsigned char *out, size_t out_size,
                          char *errstr, size_t errstr_size);

/* Base64(HMAC(key, body)) with algorithm (any spelling signing_algorithm_name knows): the value of
 * X-Connect-Authorization; X-Connect-Request-Signature-Algorithm carries `algorithm`. Returns 0,
 * or -1 with an unknown algorithm or an out smaller than 90 bytes. */
int signing_sign(const session_key_t *k, const char *algorithm, const void *body, size_t len,
                 char *out_b64, size_t out_size);

/* The checks Kafka's resource makes on the signature headers whether or not verification is
 * on (InternalRequestSignature.fromHeaders): with both headers present, an unknown algorithm
 * ("Algorithm HmacFoo not available") and a signature that is not Base64 are 400. Returns 0 when
 * they pass (including when a header is missing), else -1 with *http_status and msg. */
int signing_check_headers(const struct rest_request *req, int *http_status, char *msg,
                          size_t msg_size);

/* The whole verification, as a worker of a `sessioned` cluster does it: the header checks above,
 * then in DistributedHerder's order: no signature 400 "Internal request missing required
 * signature"; an algorithm not in inter.worker.verification.algorithms (exact match) 400; no
 * session key read yet (key NULL) 503; a signature that is not the HMAC of the raw body with the
 * current key (compared in constant time) 403 "Internal request contained invalid signature.".
 * Returns 0 when the request is signed properly, else -1 with *http_status and msg. */
int signing_verify(const struct rest_request *req, const struct worker_config *wc,
                   const session_key_t *key, int *http_status, char *msg, size_t msg_size);

/* The same on the parts: the two header values (NULL: absent), the body, and the value of
 * inter.worker.verification.algorithms (a ConfigDef LIST). */
int signing_verify_parts(const char *algorithm_header, const char *signature_header,
                         const void *body, size_t len, const char *verification_algorithms,
                         const session_key_t *key, int *http_status, char *msg, size_t msg_size);

#endif
