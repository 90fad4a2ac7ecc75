// Package nlink is nLink's node kit for Go: a node is one function over an item and its
// parameters. The kit owns the reactor ABI of docs/abi.md (allocate, deallocate, execute_node),
// the memory the host borrows, decoding the context and encoding the result, so a node needs
// none of it:
//
//	func init() { nlink.Handle(greet) }
//
//	func greet(item nlink.Item) ([]any, error) {
//		return []any{map[string]any{"hello": item.Params["text"]}}, nil
//	}
//
// It is vendored into every scaffolded Go node; nLink's devkit tests it once (KitsTest).
// Build: GOOS=wasip1 GOARCH=wasm go build -buildmode=c-shared -o execution.wasm .
package nlink

import (
	"encoding/json"
	"unicode/utf8"
	"unsafe"
)

// Item is one input item as the node sees it.
type Item struct {
	// Params are the node's parameters, resolved by the host (defaults filled in, types
	// checked); empty, not nil, when the context has none.
	Params map[string]any
	// JSON is the item's json object as raw JSON text, verbatim ("null" when absent).
	// Decode it with json.Unmarshal, or put it into an output as it is.
	JSON json.RawMessage
}

// Func is a node: the output items' json objects (each a value json.Marshal encodes as an
// object) in order, or an error, which fails the item with the error's text as its message
// (a NODE_ERROR; the instance is kept). No items is a valid answer. A panic aborts the
// module: the item fails as a TRAP and the instance is replaced.
type Func func(item Item) ([]any, error)

var node Func

// Handle registers the node's function. Call it from an init function: with -buildmode=c-shared
// main is never run, init functions are (in _initialize).
func Handle(fn Func) { node = fn }

// pinned keeps every buffer lent to the host reachable, so Go's GC neither frees nor moves it,
// until the host gives it back with deallocate.
var pinned = map[uintptr][]byte{}

//go:wasmexport allocate
func allocate(size uint32) uint32 {
	buf := make([]byte, max(size, 1)) // allocate(0) must still return a valid, non-zero pointer
	return pin(buf)
}

//go:wasmexport deallocate
func deallocate(ptr, size uint32) {
	delete(pinned, uintptr(ptr))
}

//go:wasmexport execute_node
func execute_node(ptr, length uint32) uint64 {
	// A view of the host-written input, valid only during this call; decoding copies from it.
	input := unsafe.Slice((*byte)(unsafe.Pointer(uintptr(ptr))), length)
	out := run(input)
	return uint64(pin(out))<<32 | uint64(len(out))
}

func pin(buf []byte) uint32 {
	ptr := uintptr(unsafe.Pointer(unsafe.SliceData(buf)))
	pinned[ptr] = buf
	return uint32(ptr)
}

// run turns the context {"params": {...}, "$json": {...}} into the result JSON.
func run(input []byte) []byte {
	var ctx map[string]json.RawMessage // exact key match (a struct would match keys case-insensitively)
	// utf8.Valid: encoding/json would silently turn invalid UTF-8 into U+FFFD.
	if !utf8.Valid(input) || json.Unmarshal(input, &ctx) != nil || ctx == nil {
		return errorResult("invalid input JSON") // not JSON, or not an object
	}
	item := Item{JSON: ctx["$json"]}
	if item.JSON == nil {
		item.JSON = json.RawMessage("null")
	}
	if json.Unmarshal(ctx["params"], &item.Params) != nil || item.Params == nil {
		item.Params = map[string]any{}
	}
	if node == nil {
		return errorResult("no node function: call nlink.Handle(yourFunc) in an init function")
	}
	outputs, err := node(item)
	if err != nil {
		return errorResult(err.Error())
	}
	wrapped := make([]output, len(outputs)) // never nil: no items encode as [], not null
	for i, o := range outputs {
		wrapped[i].JSON = o
	}
	out, err := json.Marshal(wrapped)
	if err != nil {
		return errorResult("cannot encode the output items: " + err.Error())
	}
	return out
}

type output struct {
	JSON any `json:"json"`
}

func errorResult(message string) []byte {
	b, _ := json.Marshal(map[string]string{"error": message})
	return b
}
