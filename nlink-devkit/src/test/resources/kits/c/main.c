/* Kit probe in C: replaces the C template's main.c in KitsTest to drive the node kit's plumbing
 * (no items, several items, an error after an item was started, a large unicode item echoed). */
#include <string.h>

#include "nlink.h"

static int is(const char *text, size_t len, const char *word) {
  return len == strlen(word) && memcmp(text, word, len) == 0;
}

void nlink_node(const nlink_item *item, nlink_result *result) {
  size_t len = 0;
  const char *text = nlink_param_string(item, "text", &len);
  if (!text) text = "";
  if (is(text, len, "empty")) return;
  if (is(text, len, "many")) {
    jbuf_append_cstr(nlink_output(result), "{\"i\":0}");
    jbuf_append_cstr(nlink_output(result), "{\"i\":1}");
    jbuf_append_cstr(nlink_output(result), "{\"i\":2}");
    return;
  }
  if (is(text, len, "error")) {
    jbuf_append_cstr(nlink_output(result), "{\"dropped\":true}");
    nlink_error(result, "refused ✓ \"quoted\" \\ Ünïcødé 🚀\nsecond line");
    return;
  }
  jbuf *out = nlink_output(result);
  jbuf_append_cstr(out, "{\"text\":");
  jbuf_append_json_string(out, text, len);
  jbuf_append_cstr(out, ",\"item\":");
  jbuf_append(out, item->json.p, nlink_span_len(item->json));
  jbuf_append_cstr(out, "}");
}
