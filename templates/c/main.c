/* {{displayName}}: {{description}}
 *
 * An nLink community node in C. The node kit beside this file (nlink.h, nlink.c, json.c) handles
 * the ABI, memory and JSON plumbing; the node is the one function below. Build with ./build.sh:
 *   clang --target=wasm32-wasi -mexec-model=reactor -O2 -Wl,--max-memory=33554432 ...
 */
#include <string.h>

#include "nlink.h"

/* Answers each item with one greeting, or refuses the text "fail". */
void nlink_node(const nlink_item *item, nlink_result *result) {
  size_t text_len = 5;
  const char *text = nlink_param_string(item, "text", &text_len);
  if (!text) text = "World";
  if (text_len == 4 && memcmp(text, "fail", 4) == 0) {
    nlink_error(result, "refused: text is fail");
    return;
  }
  jbuf *out = nlink_output(result);
  jbuf_append_cstr(out, "{\"wasm_processed\":true,\"message\":\"Hello, ");
  jbuf_append_json_chars(out, text, text_len);
  jbuf_append_cstr(out, "! Greetings from WebAssembly Runtime! \xF0\x9F\x9A\x80\""); /* U+1F680 */
  jbuf_append_cstr(out, ",\"original_data\":");
  jbuf_append(out, item->json.p, nlink_span_len(item->json)); /* verbatim JSON text */
  jbuf_append_cstr(out, "}");
}
