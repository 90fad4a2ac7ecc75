/* SHA-256 bench: a compute-heavy nLink node for benchmarking engines.
 *
 * Hashes the UTF-8 of (params.text + the JSON text of $json) with SHA-256, then hashes the
 * previous 32-byte digest again, params.rounds times in all, and returns
 *   [{"json":{"sha256":"<64 hex digits>","rounds":N}}]
 * Built as a WASI preview1 reactor, with the same flags as templates/c:
 *   clang --target=wasm32-wasi -mexec-model=reactor -O2 -Wl,--max-memory=33554432 ...
 * The JSON handling (json.c, json.h) and the build are the C template's (templates/c), used by build.sh. SHA-256 (FIPS 180-4) is
 * implemented below.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "json.h"

#define EXPORT(name) __attribute__((export_name(name)))

#define DEFAULT_TEXT "nLink"
#define DEFAULT_ROUNDS 1000
#define MAX_ROUNDS 10000000

/* ---- SHA-256 (FIPS 180-4) ---- */

typedef struct {
  uint32_t h[8];
  uint8_t block[64];
  size_t used;      /* bytes in block */
  uint64_t total;   /* message length in bytes */
} sha256_ctx;

static const uint32_t K[64] = {
    0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
    0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
    0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
    0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
    0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
    0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
    0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
    0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2};

static inline uint32_t rotr(uint32_t x, unsigned n) { return (x >> n) | (x << (32 - n)); }

static void sha256_block(uint32_t h[8], const uint8_t *p) {
  uint32_t w[64];
  for (int i = 0; i < 16; i++) {
    w[i] = (uint32_t)p[4 * i] << 24 | (uint32_t)p[4 * i + 1] << 16 | (uint32_t)p[4 * i + 2] << 8 |
           (uint32_t)p[4 * i + 3];
  }
  for (int i = 16; i < 64; i++) {
    uint32_t s0 = rotr(w[i - 15], 7) ^ rotr(w[i - 15], 18) ^ (w[i - 15] >> 3);
    uint32_t s1 = rotr(w[i - 2], 17) ^ rotr(w[i - 2], 19) ^ (w[i - 2] >> 10);
    w[i] = w[i - 16] + s0 + w[i - 7] + s1;
  }
  uint32_t a = h[0], b = h[1], c = h[2], d = h[3], e = h[4], f = h[5], g = h[6], hh = h[7];
  for (int i = 0; i < 64; i++) {
    uint32_t S1 = rotr(e, 6) ^ rotr(e, 11) ^ rotr(e, 25);
    uint32_t ch = (e & f) ^ (~e & g);
    uint32_t t1 = hh + S1 + ch + K[i] + w[i];
    uint32_t S0 = rotr(a, 2) ^ rotr(a, 13) ^ rotr(a, 22);
    uint32_t maj = (a & b) ^ (a & c) ^ (b & c);
    uint32_t t2 = S0 + maj;
    hh = g; g = f; f = e; e = d + t1;
    d = c; c = b; b = a; a = t1 + t2;
  }
  h[0] += a; h[1] += b; h[2] += c; h[3] += d;
  h[4] += e; h[5] += f; h[6] += g; h[7] += hh;
}

static void sha256_init(sha256_ctx *c) {
  static const uint32_t iv[8] = {0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a,
                                 0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19};
  memcpy(c->h, iv, sizeof iv);
  c->used = 0;
  c->total = 0;
}

static void sha256_update(sha256_ctx *c, const uint8_t *p, size_t n) {
  c->total += n;
  if (c->used > 0) {
    size_t take = 64 - c->used < n ? 64 - c->used : n;
    memcpy(c->block + c->used, p, take);
    c->used += take; p += take; n -= take;
    if (c->used < 64) return;
    sha256_block(c->h, c->block);
    c->used = 0;
  }
  for (; n >= 64; p += 64, n -= 64) sha256_block(c->h, p);
  memcpy(c->block, p, n);
  c->used = n;
}

static void sha256_final(sha256_ctx *c, uint8_t out[32]) {
  uint64_t bits = c->total * 8;
  c->block[c->used++] = 0x80;
  if (c->used > 56) {
    memset(c->block + c->used, 0, 64 - c->used);
    sha256_block(c->h, c->block);
    c->used = 0;
  }
  memset(c->block + c->used, 0, 56 - c->used);
  for (int i = 0; i < 8; i++) c->block[56 + i] = (uint8_t)(bits >> (56 - 8 * i));
  sha256_block(c->h, c->block);
  for (int i = 0; i < 8; i++) {
    out[4 * i] = (uint8_t)(c->h[i] >> 24);
    out[4 * i + 1] = (uint8_t)(c->h[i] >> 16);
    out[4 * i + 2] = (uint8_t)(c->h[i] >> 8);
    out[4 * i + 3] = (uint8_t)c->h[i];
  }
}

/* ---- the ABI ---- */

/* Every buffer exchanged with the host comes from malloc: at least 1 byte, so that allocate(0)
 * still returns a valid, non-zero pointer. NULL (out of memory) is reported by the host. */
EXPORT("allocate") void *allocate(size_t size) { return malloc(size ? size : 1); }

/* Frees what allocate and execute_node handed out. free() needs no size. */
EXPORT("deallocate") void deallocate(void *ptr, size_t size) {
  (void)size;
  free(ptr);
}

static jbuf error_result(const char *message) {
  jbuf b = {0};
  jbuf_append_cstr(&b, "{\"error\":");
  jbuf_append_json_string(&b, message, strlen(message));
  jbuf_append_cstr(&b, "}");
  return b;
}

/* A JSON number span that is an integer in [1, MAX_ROUNDS] (1000, 1000.0 and 1e3 all qualify). */
static int parse_rounds(json_span s, long *rounds) {
  char buf[64];
  size_t n = (size_t)(s.end - s.p);
  if (n == 0 || n >= sizeof buf || !(*s.p == '-' || (*s.p >= '0' && *s.p <= '9'))) return 0;
  memcpy(buf, s.p, n);
  buf[n] = '\0';
  double d = strtod(buf, NULL);
  if (!(d >= 1 && d <= MAX_ROUNDS) || d != (double)(long)d) return 0;
  *rounds = (long)d;
  return 1;
}

/* The node's logic: the context JSON {"params": {...}, "$json": {...}} in, the result JSON out. */
static jbuf run(const char *input, size_t len) {
  json_span ctx, params, value, item;
  if (!json_validate(input, len, &ctx) || *ctx.p != '{') {
    return error_result("invalid input JSON"); /* not JSON, or not an object */
  }
  int has_params = json_member(ctx, "params", &params);

  long rounds = DEFAULT_ROUNDS;
  if (has_params && json_member(params, "rounds", &value) && !(value.end - value.p == 4 &&
                                                               memcmp(value.p, "null", 4) == 0)) {
    if (!parse_rounds(value, &rounds)) return error_result("rounds must be an integer from 1 to 10000000");
  }

  const char *text = DEFAULT_TEXT;
  size_t text_len = strlen(DEFAULT_TEXT);
  char *decoded = NULL; /* params.text, when it is a string */
  if (has_params && json_member(params, "text", &value) && *value.p == '"') {
    decoded = json_decode_string(value, &text_len);
    if (!decoded) return error_result("out of memory");
    text = decoded;
  }

  /* Round 1: text followed by the JSON text of $json exactly as the host sent it ("null" when
   * absent). Every later round hashes the previous round's 32-byte digest. */
  uint8_t digest[32];
  sha256_ctx c;
  sha256_init(&c);
  sha256_update(&c, (const uint8_t *)text, text_len);
  if (json_member(ctx, "$json", &item)) {
    sha256_update(&c, (const uint8_t *)item.p, (size_t)(item.end - item.p));
  } else {
    sha256_update(&c, (const uint8_t *)"null", 4);
  }
  sha256_final(&c, digest);
  free(decoded);
  for (long r = 1; r < rounds; r++) {
    sha256_init(&c);
    sha256_update(&c, digest, sizeof digest);
    sha256_final(&c, digest);
  }

  static const char hexdigits[] = "0123456789abcdef";
  char hex[64];
  for (int i = 0; i < 32; i++) {
    hex[2 * i] = hexdigits[digest[i] >> 4];
    hex[2 * i + 1] = hexdigits[digest[i] & 15];
  }
  char num[24];
  int num_len = 0;
  char tmp[24];
  long v = rounds;
  do { tmp[num_len++] = (char)('0' + v % 10); v /= 10; } while (v > 0);
  for (int i = 0; i < num_len; i++) num[i] = tmp[num_len - 1 - i];

  jbuf b = {0};
  jbuf_append_cstr(&b, "[{\"json\":{\"sha256\":\"");
  jbuf_append(&b, hex, sizeof hex);
  jbuf_append_cstr(&b, "\",\"rounds\":");
  jbuf_append(&b, num, (size_t)num_len);
  jbuf_append_cstr(&b, "}}]");
  return b;
}

/* The input buffer stays the host's (it frees it with deallocate); the output buffer is handed
 * to the host, which frees it with deallocate once it has read it. */
EXPORT("execute_node") uint64_t execute_node(const char *ptr, size_t len) {
  jbuf out = run(ptr, len);
  if (out.failed || out.len == 0) {
    free(out.data);
    return 0; /* out of memory: the host reports the memory limit */
  }
  return ((uint64_t)(uintptr_t)out.data << 32) | (uint64_t)out.len;
}
