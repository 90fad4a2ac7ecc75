/* nLink's node kit for C: a node is one function over an item and its parameters.
 *
 * The kit (nlink.c, with the JSON scanner json.c) owns the reactor ABI of docs/abi.md (allocate,
 * deallocate, execute_node), the memory the host borrows, checking the context and assembling
 * the result, so a node defines just this:
 *
 *   void nlink_node(const nlink_item *item, nlink_result *result) {
 *     jbuf *out = nlink_output(result);              // one output item: write its json object
 *     jbuf_append_cstr(out, "{\"echo\":");
 *     jbuf_append(out, item->json.p, nlink_span_len(item->json));
 *     jbuf_append_cstr(out, "}");
 *   }
 *
 * It is vendored into every scaffolded C node; nLink's devkit tests it once (KitsTest).
 */
#ifndef NLINK_H
#define NLINK_H

#include <stddef.h>

#include "json.h"

/* One input item as the node sees it; both are spans of the (valid) context JSON text. */
typedef struct {
  json_span params; /* the node's parameters object, resolved by the host; "{}" when absent */
  json_span json;   /* the item's json, verbatim; "null" when absent */
} nlink_item;

/* The answer being built for one item: output items, or an error. */
typedef struct nlink_result nlink_result;

/* The node, defined by the node's source and called once per item. It answers with zero or more
 * nlink_output calls (no output items is a valid answer) or with nlink_error. */
void nlink_node(const nlink_item *item, nlink_result *result);

/* Starts the next output item and returns the buffer to write its json object into, as JSON
 * text (jbuf_append_cstr, jbuf_append_json_string, raw spans with jbuf_append). The buffer is
 * valid until the next nlink_output or nlink_error call. */
jbuf *nlink_output(nlink_result *result);

/* Fails the item with message (UTF-8, n bytes): a NODE_ERROR, the instance is kept. Output
 * items already written are dropped. */
void nlink_error_n(nlink_result *result, const char *message, size_t n);
/* As nlink_error_n, for a NUL-terminated message. */
void nlink_error(nlink_result *result, const char *message);

/* params.<name> decoded to UTF-8 when it is a string (NUL-terminated; *len its length, as it may
 * contain NUL bytes), NULL when absent or not a string. The memory is the kit's, freed after the
 * item. */
const char *nlink_param_string(const nlink_item *item, const char *name, size_t *len);

/* size bytes that live until the item is answered, then are freed by the kit. NULL when out of
 * memory; the item then fails with the memory limit, whatever the node answers. */
void *nlink_item_alloc(size_t size);

static inline size_t nlink_span_len(json_span s) { return (size_t)(s.end - s.p); }

#endif
