// {{displayName}}: {{description}}
//
// An nLink community node in C++. The node kit beside this file (nlink.hpp, nlink.cpp) handles
// the ABI, memory and JSON plumbing; the node is the one function below. Build with ./build.sh
// (clang++ for wasm32-wasi, libc++, nlohmann/json, -fno-exceptions).
#include <string>

#include "nlink.hpp"

// Answers each item with one greeting, or refuses the text "fail".
nlink::Result nlink_node(const nlink::Item &item) {
  std::string text = "World";
  auto t = item.params.find("text");
  if (t != item.params.end() && t->is_string()) text = t->get<std::string>();
  if (text == "fail") return nlink::error("refused: text is fail");
  return nlink::output({{
      {"wasm_processed", true},
      {"message", "Hello, " + text + "! Greetings from WebAssembly Runtime! 🚀"},
      {"original_data", item.json},
  }});
}
