/* A small strict JSON scanner for nLink nodes, written for this template (MIT licence).
 * See json.h. */
#include "json.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

static const char *skip_ws(const char *p, const char *end) {
  while (p < end && (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r')) p++;
  return p;
}

static int hex4(const char *p, const char *end, uint32_t *out) {
  uint32_t v = 0;
  if (end - p < 4) return 0;
  for (int i = 0; i < 4; i++) {
    char c = p[i];
    v <<= 4;
    if (c >= '0' && c <= '9') v |= (uint32_t)(c - '0');
    else if (c >= 'a' && c <= 'f') v |= (uint32_t)(c - 'a' + 10);
    else if (c >= 'A' && c <= 'F') v |= (uint32_t)(c - 'A' + 10);
    else return 0;
  }
  *out = v;
  return 1;
}

/* Length of the valid UTF-8 sequence at p (1-4), or 0 when it is not valid UTF-8. */
static int utf8_len(const unsigned char *p, const unsigned char *end) {
  unsigned char c = p[0];
  int n;
  uint32_t cp;
  if (c < 0x80) return 1;
  if (c >= 0xC2 && c <= 0xDF) { n = 2; cp = c & 0x1F; }
  else if (c >= 0xE0 && c <= 0xEF) { n = 3; cp = c & 0x0F; }
  else if (c >= 0xF0 && c <= 0xF4) { n = 4; cp = c & 0x07; }
  else return 0;
  if (end - p < n) return 0;
  for (int i = 1; i < n; i++) {
    if ((p[i] & 0xC0) != 0x80) return 0;
    cp = (cp << 6) | (p[i] & 0x3F);
  }
  if ((n == 3 && cp < 0x800) || (n == 4 && (cp < 0x10000 || cp > 0x10FFFF))) return 0; /* overlong */
  if (cp >= 0xD800 && cp <= 0xDFFF) return 0;                                          /* surrogate */
  return n;
}

/* p at '"': returns the position after the closing quote, or NULL. */
static const char *scan_string(const char *p, const char *end) {
  p++;
  while (p < end) {
    unsigned char c = (unsigned char)*p;
    if (c == '"') return p + 1;
    if (c < 0x20) return NULL;
    if (c == '\\') {
      if (++p >= end) return NULL;
      switch (*p) {
        case '"': case '\\': case '/': case 'b': case 'f': case 'n': case 'r': case 't': p++; break;
        case 'u': {
          uint32_t v;
          if (!hex4(p + 1, end, &v)) return NULL;
          p += 5;
          break;
        }
        default: return NULL;
      }
    } else {
      int n = utf8_len((const unsigned char *)p, (const unsigned char *)end);
      if (n == 0) return NULL;
      p += n;
    }
  }
  return NULL;
}

static const char *scan_digits(const char *p, const char *end) {
  const char *start = p;
  while (p < end && *p >= '0' && *p <= '9') p++;
  return p > start ? p : NULL;
}

static const char *scan_number(const char *p, const char *end) {
  if (p < end && *p == '-') p++;
  if (p >= end) return NULL;
  if (*p == '0') p++;
  else if (!(p = scan_digits(p, end))) return NULL;
  if (p < end && *p == '.' && !(p = scan_digits(p + 1, end))) return NULL;
  if (p < end && (*p == 'e' || *p == 'E')) {
    p++;
    if (p < end && (*p == '+' || *p == '-')) p++;
    if (!(p = scan_digits(p, end))) return NULL;
  }
  return p;
}

static const char *scan_literal(const char *p, const char *end, const char *word) {
  size_t n = strlen(word);
  return (size_t)(end - p) >= n && memcmp(p, word, n) == 0 ? p + n : NULL;
}

/* p at the start of a value (no whitespace): returns the position after it, or NULL. */
static const char *scan_value(const char *p, const char *end, int depth) {
  if (p >= end) return NULL;
  switch (*p) {
    case '"': return scan_string(p, end);
    case 't': return scan_literal(p, end, "true");
    case 'f': return scan_literal(p, end, "false");
    case 'n': return scan_literal(p, end, "null");
    case '[':
      if (depth >= JSON_MAX_DEPTH) return NULL;
      p = skip_ws(p + 1, end);
      if (p < end && *p == ']') return p + 1;
      for (;;) {
        if (!(p = scan_value(p, end, depth + 1))) return NULL;
        p = skip_ws(p, end);
        if (p >= end) return NULL;
        if (*p == ']') return p + 1;
        if (*p != ',') return NULL;
        p = skip_ws(p + 1, end);
      }
    case '{':
      if (depth >= JSON_MAX_DEPTH) return NULL;
      p = skip_ws(p + 1, end);
      if (p < end && *p == '}') return p + 1;
      for (;;) {
        if (p >= end || *p != '"' || !(p = scan_string(p, end))) return NULL;
        p = skip_ws(p, end);
        if (p >= end || *p != ':') return NULL;
        p = skip_ws(p + 1, end);
        if (!(p = scan_value(p, end, depth + 1))) return NULL;
        p = skip_ws(p, end);
        if (p >= end) return NULL;
        if (*p == '}') return p + 1;
        if (*p != ',') return NULL;
        p = skip_ws(p + 1, end);
      }
    default:
      return (*p == '-' || (*p >= '0' && *p <= '9')) ? scan_number(p, end) : NULL;
  }
}

int json_validate(const char *text, size_t len, json_span *value) {
  const char *end = text + len;
  const char *p = skip_ws(text, end);
  const char *v = scan_value(p, end, 0);
  if (!v || skip_ws(v, end) != end) return 0;
  value->p = p;
  value->end = v;
  return 1;
}

int json_member(json_span obj, const char *key, json_span *value) {
  size_t key_len = strlen(key);
  int found = 0;
  const char *p, *end = obj.end;
  if (obj.p >= end || *obj.p != '{') return 0;
  p = skip_ws(obj.p + 1, end);
  while (p < end && *p == '"') {
    json_span k = {p, scan_string(p, end)};
    size_t n;
    char *name = json_decode_string(k, &n);
    int match = name && n == key_len && memcmp(name, key, n) == 0;
    free(name);
    p = skip_ws(k.end, end);     /* at ':' */
    p = skip_ws(p + 1, end);     /* at the value */
    const char *v = scan_value(p, end, 1);
    if (match) {
      value->p = p;
      value->end = v;
      found = 1; /* keep going: the last duplicate wins, as in most parsers */
    }
    p = skip_ws(v, end);
    if (p < end && *p == ',') p = skip_ws(p + 1, end);
  }
  return found;
}

static char *put_utf8(char *o, uint32_t cp) {
  if (cp < 0x80) { *o++ = (char)cp; }
  else if (cp < 0x800) { *o++ = (char)(0xC0 | (cp >> 6)); *o++ = (char)(0x80 | (cp & 0x3F)); }
  else if (cp < 0x10000) {
    *o++ = (char)(0xE0 | (cp >> 12)); *o++ = (char)(0x80 | ((cp >> 6) & 0x3F));
    *o++ = (char)(0x80 | (cp & 0x3F));
  } else {
    *o++ = (char)(0xF0 | (cp >> 18)); *o++ = (char)(0x80 | ((cp >> 12) & 0x3F));
    *o++ = (char)(0x80 | ((cp >> 6) & 0x3F)); *o++ = (char)(0x80 | (cp & 0x3F));
  }
  return o;
}

char *json_decode_string(json_span str, size_t *len) {
  /* The decoded text is never longer than the escaped text. */
  const char *p = str.p + 1, *end = str.end - 1;
  char *out = malloc((size_t)(end - p) + 1), *o = out;
  if (!out) return NULL;
  while (p < end) {
    if (*p != '\\') { *o++ = *p++; continue; }
    p++;
    char c = *p++;
    switch (c) {
      case 'b': *o++ = '\b'; break;
      case 'f': *o++ = '\f'; break;
      case 'n': *o++ = '\n'; break;
      case 'r': *o++ = '\r'; break;
      case 't': *o++ = '\t'; break;
      case 'u': {
        uint32_t cp, lo;
        hex4(p, end, &cp);
        p += 4;
        if (cp >= 0xD800 && cp <= 0xDBFF && end - p >= 6 && p[0] == '\\' && p[1] == 'u' &&
            hex4(p + 2, end, &lo) && lo >= 0xDC00 && lo <= 0xDFFF) {
          cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
          p += 6;
        } else if (cp >= 0xD800 && cp <= 0xDFFF) {
          cp = 0xFFFD; /* an unpaired surrogate */
        }
        o = put_utf8(o, cp);
        break;
      }
      default: *o++ = c; break; /* '"', '\\', '/' */
    }
  }
  *o = '\0';
  *len = (size_t)(o - out);
  return out;
}

void jbuf_append(jbuf *b, const char *s, size_t n) {
  if (b->failed) return;
  if (b->len + n > b->cap) {
    size_t cap = b->cap ? b->cap : 256;
    while (cap < b->len + n) cap *= 2;
    char *data = realloc(b->data, cap);
    if (!data) { b->failed = 1; return; }
    b->data = data;
    b->cap = cap;
  }
  memcpy(b->data + b->len, s, n);
  b->len += n;
}

void jbuf_append_cstr(jbuf *b, const char *s) { jbuf_append(b, s, strlen(s)); }

void jbuf_append_json_string(jbuf *b, const char *s, size_t n) {
  jbuf_append(b, "\"", 1);
  jbuf_append_json_chars(b, s, n);
  jbuf_append(b, "\"", 1);
}

void jbuf_append_json_chars(jbuf *b, const char *s, size_t n) {
  static const char hex[] = "0123456789abcdef";
  const char *run = s, *end = s + n;
  for (; s < end; s++) {
    unsigned char c = (unsigned char)*s;
    const char *esc = NULL;
    char u[7];
    if (c == '"') esc = "\\\"";
    else if (c == '\\') esc = "\\\\";
    else if (c == '\n') esc = "\\n";
    else if (c == '\r') esc = "\\r";
    else if (c == '\t') esc = "\\t";
    else if (c == '\b') esc = "\\b";
    else if (c == '\f') esc = "\\f";
    else if (c < 0x20) {
      memcpy(u, "\\u00", 4);
      u[4] = hex[c >> 4];
      u[5] = hex[c & 15];
      u[6] = '\0';
      esc = u;
    }
    if (esc) {
      jbuf_append(b, run, (size_t)(s - run));
      jbuf_append_cstr(b, esc);
      run = s + 1;
    }
  }
  jbuf_append(b, run, (size_t)(end - run));
}
