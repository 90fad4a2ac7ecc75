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

// The context JSON {"params": {...}, "$json": {...}} in, the result JSON out.
static std::string run(const char *input, size_t len) {
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
