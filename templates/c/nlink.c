/* nLink's node kit for C: the reactor ABI of docs/abi.md around nlink_node (see nlink.h). */
#include "nlink.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define EXPORT(name) __attribute__((export_name(name)))

struct nlink_result {
  jbuf out;       /* the result JSON so far: "[" and the finished items, or the error object */
  size_t items;   /* output items started */
  int is_error;
};

/* Every buffer exchanged with the host comes from malloc: at least 1 byte, so that allocate(0)
 * still returns a valid, non-zero pointer. NULL (out of memory) is reported by the host. */
EXPORT("allocate") void *allocate(size_t size) { return malloc(size ? size : 1); }

/* Frees what allocate and execute_node handed out. free() needs no size. */
EXPORT("deallocate") void deallocate(void *ptr, size_t size) {
  (void)size;
  free(ptr);
}

/* The current item's allocations (nlink_item_alloc), freed together once it is answered. */
typedef struct block {
  struct block *next;
} block;
static block *item_blocks;
static int item_out_of_memory;

void *nlink_item_alloc(size_t size) {
  block *b = size <= SIZE_MAX - sizeof(block) ? malloc(sizeof(block) + size) : NULL;
  if (!b) {
    item_out_of_memory = 1;
    return NULL;
  }
  b->next = item_blocks;
  item_blocks = b;
  return b + 1;
}

static void free_item_blocks(void) {
  while (item_blocks) {
    block *next = item_blocks->next;
    free(item_blocks);
    item_blocks = next;
  }
}

jbuf *nlink_output(nlink_result *r) {
  if (r->is_error) { /* an error was given first: start over as an output list */
    r->out.len = 0;
    r->is_error = 0;
    r->items = 0;
  }
  if (r->items == 0) jbuf_append(&r->out, "[", 1);
  else jbuf_append(&r->out, "},", 2); /* closes the previous item */
  jbuf_append_cstr(&r->out, "{\"json\":");
  r->items++;
  return &r->out;
}

void nlink_error_n(nlink_result *r, const char *message, size_t n) {
  r->out.len = 0;
  r->items = 0;
  r->is_error = 1;
  jbuf_append_cstr(&r->out, "{\"error\":");
  jbuf_append_json_string(&r->out, message, n);
  jbuf_append(&r->out, "}", 1);
}

void nlink_error(nlink_result *r, const char *message) { nlink_error_n(r, message, strlen(message)); }

const char *nlink_param_string(const nlink_item *item, const char *name, size_t *len) {
  json_span value;
  if (!json_member(item->params, name, &value) || *value.p != '"') return NULL;
  size_t n;
  char *decoded = json_decode_string(value, &n);
  if (!decoded) {
    item_out_of_memory = 1;
    return NULL;
  }
  char *kept = nlink_item_alloc(n + 1);
  if (kept) memcpy(kept, decoded, n + 1);
  free(decoded);
  if (kept && len) *len = n;
  return kept;
}

static const char NULL_TEXT[] = "null", EMPTY_OBJECT[] = "{}";

/* The input buffer stays the host's (it frees it with deallocate); the output buffer is handed
 * to the host, which frees it with deallocate once it has read it. */
EXPORT("execute_node") uint64_t execute_node(const char *ptr, size_t len) {
  nlink_result r = {{0}, 0, 0};
  json_span ctx;
  nlink_item item = {{EMPTY_OBJECT, EMPTY_OBJECT + 2}, {NULL_TEXT, NULL_TEXT + 4}};
  if (!json_validate(ptr, len, &ctx) || *ctx.p != '{') {
    nlink_error(&r, "invalid input JSON"); /* not JSON (or not UTF-8), or not an object */
  } else {
    json_span params;
    if (json_member(ctx, "params", &params) && *params.p == '{') item.params = params;
    json_member(ctx, "$json", &item.json);
    nlink_node(&item, &r);
    if (!r.is_error) {
      if (r.items == 0) jbuf_append(&r.out, "[", 1);
      else jbuf_append(&r.out, "}", 1);
      jbuf_append(&r.out, "]", 1);
    }
  }
  free_item_blocks();
  int out_of_memory = item_out_of_memory || r.out.failed;
  item_out_of_memory = 0;
  if (out_of_memory) {
    free(r.out.data);
    return 0; /* the host reports the memory limit */
  }
  return ((uint64_t)(uintptr_t)r.out.data << 32) | (uint64_t)r.out.len;
}
