/* {{displayName}}: {{description}}
 *
 * An nLink community node built as a WASI preview1 reactor:
 *   clang --target=wasm32-wasi -mexec-model=reactor -O2 -Wl,--max-memory=33554432 ...
 * The host calls allocate, writes the context JSON there, calls execute_node, reads the result,
 * then calls deallocate for the input and for the output buffer.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "json.h"

#define EXPORT(name) __attribute__((export_name(name)))

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

/* The node's logic: the context JSON {"params": {...}, "$json": {...}} in, the result JSON out. */
static jbuf run(const char *input, size_t len) {
  json_span ctx, params, text_json, original;
  if (!json_validate(input, len, &ctx) || *ctx.p != '{') {
    return error_result("invalid input JSON"); /* not JSON, or not an object */
  }

  const char *text = "World";
  size_t text_len = 5;
  char *decoded = NULL; /* params.text, when it is a string */
  if (json_member(ctx, "params", &params) && json_member(params, "text", &text_json) &&
      *text_json.p == '"') {
    decoded = json_decode_string(text_json, &text_len);
    if (!decoded) return error_result("out of memory");
    text = decoded;
  }
  if (text_len == 4 && memcmp(text, "fail", 4) == 0) {
    free(decoded);
    return error_result("refused: text is fail");
  }

  jbuf message = {0};
  jbuf_append_cstr(&message, "Hello, ");
  jbuf_append(&message, text, text_len);
  jbuf_append_cstr(&message, "! Greetings from WebAssembly Runtime! \xF0\x9F\x9A\x80"); /* U+1F680 */
  free(decoded);

  jbuf b = {0};
  jbuf_append_cstr(&b, "[{\"json\":{\"wasm_processed\":true,\"message\":");
  if (message.failed) b.failed = 1;
  else jbuf_append_json_string(&b, message.data, message.len);
  free(message.data);
  jbuf_append_cstr(&b, ",\"original_data\":");
  if (json_member(ctx, "$json", &original)) {
    jbuf_append(&b, original.p, (size_t)(original.end - original.p)); /* verbatim JSON text */
  } else {
    jbuf_append_cstr(&b, "null");
  }
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
