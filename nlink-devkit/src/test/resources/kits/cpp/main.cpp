// Kit probe in C++: replaces the C++ template's main.cpp in KitsTest to drive the node kit's
// plumbing (no items, several items, an error, a large unicode item echoed back).
#include <string>
#include <vector>

#include "nlink.hpp"

nlink::Result nlink_node(const nlink::Item &item) {
  std::string text;
  auto t = item.params.find("text");
  if (t != item.params.end() && t->is_string()) text = t->get<std::string>();
  if (text == "empty") return nlink::output({});
  if (text == "many") {
    std::vector<nlohmann::json> items;
    for (int i = 0; i < 3; i++) items.push_back({{"i", i}});
    return nlink::output(std::move(items));
  }
  if (text == "error") return nlink::error("refused ✓ \"quoted\" \\ Ünïcødé 🚀\nsecond line");
  return nlink::output({{{"text", text}, {"item", item.json}}});
}
