// nLink's node kit for C++ (with nlohmann/json): a node is one function over an item and its
// parameters. The kit (this header and nlink.cpp) owns the reactor ABI of docs/abi.md (allocate,
// deallocate, execute_node), the memory the host borrows, parsing the context and encoding the
// result, so a node defines just this:
//
//   nlink::Result nlink_node(const nlink::Item &item) {
//     return nlink::output({{{"echo", item.json}}});   // one output item, {"echo": <the item>}
//   }
//
// Built with -fno-exceptions: anything that would throw aborts (a trap), so use nlohmann's
// non-throwing forms (is_*() checks, find() instead of at()). It is vendored into every scaffolded
// C++ node; nLink's devkit tests it once (KitsTest).
#ifndef NLINK_HPP
#define NLINK_HPP

#include <string>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

namespace nlink {

// One input item as the node sees it.
struct Item {
  nlohmann::json params;  // the node's parameters, resolved by the host; an empty object when absent
  nlohmann::json json;    // the item's json (null when absent)
};

// The node's answer for one item: output items, or an error.
struct Result {
  std::vector<nlohmann::json> items;  // the output items' json objects, in order; none is valid
  bool failed = false;
  std::string error;  // when failed: the message (a NODE_ERROR; the instance is kept)
};

// Zero or more output items, each the json object of one item.
inline Result output(std::vector<nlohmann::json> items) { return Result{std::move(items), false, {}}; }

// Fails the item with message.
inline Result error(std::string message) { return Result{{}, true, std::move(message)}; }

}  // namespace nlink

// The node, defined by the node's source and called once per item.
nlink::Result nlink_node(const nlink::Item &item);

#endif
