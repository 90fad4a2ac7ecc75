// {{displayName}}: {{description}}
//
// An nLink community node built as a WASI preview1 reactor with clang++ and libc++, using
// nlohmann/json. Built with -fno-exceptions: anything that would throw aborts (a trap), so use the
// non-throwing forms: json::parse(..., nullptr, false), is_*() checks, find() instead of at().
//
// The host calls allocate, writes the context JSON there, calls execute_node, reads the result,
// then calls deallocate for the input and for the output buffer.
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <string>

#include <nlohmann/json.hpp>

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
  return result.dump();
}

// The node's logic: the context JSON {"params": {...}, "$json": {...}} in, the result JSON out.
static std::string run(const char *input, size_t len) {
  json ctx = json::parse(input, input + len, nullptr, /*allow_exceptions=*/false);
  if (ctx.is_discarded() || !ctx.is_object()) {
    return error_result("invalid input JSON"); // not JSON, or not an object
  }

  std::string text = "World";
  auto params = ctx.find("params");
  if (params != ctx.end() && params->is_object()) {
    auto t = params->find("text");
    if (t != params->end() && t->is_string()) text = t->get_ref<const std::string &>();
  }
  if (text == "fail") return error_result("refused: text is fail");

  auto original = ctx.find("$json");
  json item = json::object();
  item["wasm_processed"] = true;
  item["message"] = "Hello, " + text + "! Greetings from WebAssembly Runtime! 🚀";
  item["original_data"] = original != ctx.end() ? *original : json(nullptr);
  json wrapper = json::object();
  wrapper["json"] = std::move(item);
  json result = json::array();
  result.push_back(std::move(wrapper));
  // error_handler_t::replace: dump() would otherwise throw (abort) on invalid UTF-8.
  return result.dump(-1, ' ', false, json::error_handler_t::replace);
}

// The input buffer stays the host's (it frees it with deallocate); the output is copied into a
// malloc'd buffer that the host frees with deallocate once it has read it.
EXPORT("execute_node") uint64_t execute_node(const char *ptr, size_t len) {
  std::string out = run(ptr, len);
  char *buf = static_cast<char *>(std::malloc(out.size()));
  if (!buf) return 0; // out of memory: the host reports the memory limit
  std::memcpy(buf, out.data(), out.size());
  return (static_cast<uint64_t>(reinterpret_cast<uintptr_t>(buf)) << 32) | out.size();
}
