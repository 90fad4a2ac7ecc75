/* A small strict JSON scanner for nLink nodes, written for this template (MIT licence).
 *
 * It validates JSON text (RFC 8259: UTF-8, no trailing data, nesting up to JSON_MAX_DEPTH),
 * finds the members of an object, and converts strings between JSON's escaped form and
 * UTF-8. It never builds a tree: a value is a span of the input text, so a node can pass any
 * value through verbatim. Nothing here allocates except json_decode_string and jbuf_*.
 */
#ifndef NLINK_JSON_H
#define NLINK_JSON_H

#include <stddef.h>

#define JSON_MAX_DEPTH 512

/* A piece of JSON text: [p, end). */
typedef struct {
  const char *p;
  const char *end;
} json_span;

/* Returns 1 when [text, text+len) is exactly one valid JSON value (surrounding whitespace allowed)
 * and stores that value's span (without the whitespace) in *value. */
int json_validate(const char *text, size_t len, json_span *value);

/* For a valid object span: finds the member named key (the last one, when a key repeats) and
 * stores its value's span. Returns 1 when found, 0 when absent or when obj is not an object. */
int json_member(json_span obj, const char *key, json_span *value);

/* For a valid string span (quotes included): the decoded UTF-8 bytes, NUL-terminated, in a buffer
 * from malloc (free it), and their length in *len (the text may contain NUL bytes). Unpaired
 * surrogates become U+FFFD. Returns NULL when out of memory. */
char *json_decode_string(json_span str, size_t *len);

/* A growable output buffer from malloc. */
typedef struct {
  char *data;
  size_t len, cap;
  int failed; /* set when out of memory; further appends do nothing */
} jbuf;

void jbuf_append(jbuf *b, const char *s, size_t n);
void jbuf_append_cstr(jbuf *b, const char *s);
/* Appends s (valid UTF-8, n bytes) as a JSON string literal, quotes included. */
void jbuf_append_json_string(jbuf *b, const char *s, size_t n);
/* Appends s (valid UTF-8, n bytes) escaped for a JSON string literal, without the quotes, so that
 * a string can be written in pieces between a '"' and a '"'. */
void jbuf_append_json_chars(jbuf *b, const char *s, size_t n);

#endif
