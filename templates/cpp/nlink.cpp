// nLink's node kit for C++: the reactor ABI of docs/abi.md around nlink_node (see nlink.hpp).
#include "nlink.hpp"

#include <cstdint>
#include <cstdlib>
#include <cstring>

using json = nlohmann::json;

#define EXPORT(name) extern "C" __attribute__((export_name(name)))

// Every buffer exchanged with the host comes from malloc: at least 1 byte, so that allocate(0)
// still returns a valid, non-zero pointer. nullptr (out of memory) is reported by the host.
EXPORT("allocate") void *allocate(size_t size) { return std::malloc(size ? size : 1); }

// Frees what allocate and execute_node handed out. free() needs no size.
EXPORT("deallocate") void deallocate(void *ptr, size_t) { std::free(ptr); }

static std::string error_result(const std::string &message) {
  json result = json::object();
  result["error"] = message;
  return result.dump(-1, ' ', false, json::error_handler_t::replace);
}

// nlohmann recurses per nesting level: a hostile context nested 100,000 deep would overflow the
// stack (a trap that costs the instance). Refuse more than the C kit's scanner allows.
static constexpr int MAX_DEPTH = 512;

static bool nested_too_deep(const char *p, size_t len) {
  int depth = 0;
  bool in_string = false;
  for (size_t i = 0; i < len; i++) {
    char c = p[i];
    if (in_string) {
      if (c == '\\') i++;  // skip the escaped character (it may be a quote)
      else if (c == '"') in_string = false;
    } else if (c == '"') {
      in_string = true;
    } else if (c == '[' || c == '{') {
      if (++depth > MAX_DEPTH) return true;
    } else if (c == ']' || c == '}') {
      depth--;  // unbalanced input is left to the parser to refuse
    }
  }
  return false;
}

// The context JSON {"params": {...}, "$json": {...}} in, the result JSON out.
static std::string run(const char *input, size_t len) {
  if (nested_too_deep(input, len)) return error_result("invalid input JSON");
  json ctx = json::parse(input, input + len, nullptr, /*allow_exceptions=*/false);
  if (ctx.is_discarded() || !ctx.is_object()) {
    return error_result("invalid input JSON");  // not JSON, or not an object
  }
  nlink::Item item{json::object(), nullptr};
  auto params = ctx.find("params");
  if (params != ctx.end() && params->is_object()) item.params = std::move(*params);
  auto original = ctx.find("$json");
  if (original != ctx.end()) item.json = std::move(*original);

  nlink::Result result = nlink_node(item);
  if (result.failed) return error_result(result.error);
  json out = json::array();
  for (auto &o : result.items) {
    json wrapper = json::object();
    wrapper["json"] = std::move(o);
    out.push_back(std::move(wrapper));
  }
  // error_handler_t::replace: dump() would otherwise throw (abort) on invalid UTF-8.
  return out.dump(-1, ' ', false, json::error_handler_t::replace);
}

// The input buffer stays the host's (it frees it with deallocate); the output is copied into a
// malloc'd buffer that the host frees with deallocate once it has read it.
EXPORT("execute_node") uint64_t execute_node(const char *ptr, size_t len) {
  std::string out = run(ptr, len);
  char *buf = static_cast<char *>(std::malloc(out.size()));
  if (!buf) return 0;  // out of memory: the host reports the memory limit
  std::memcpy(buf, out.data(), out.size());
  return (static_cast<uint64_t>(reinterpret_cast<uintptr_t>(buf)) << 32) | out.size();
}
