// {{displayName}}: {{description}}
//
// An nLink community node built as a WASI preview1 reactor:
//
//	GOOS=wasip1 GOARCH=wasm go build -buildmode=c-shared -o execution.wasm .
//
// The host calls allocate, writes the context JSON there, calls execute_node, reads the result,
// then calls deallocate for the input and for the output buffer.
package main

import (
	"encoding/json"
	"unicode/utf8"
	"unsafe"
)

// pinned keeps every buffer handed to the host reachable, so Go's GC neither frees nor reuses
// it, until the host gives it back with deallocate.
var pinned = map[uint32][]byte{}

//go:wasmexport allocate
func allocate(size uint32) uint32 {
	buf := make([]byte, max(size, 1)) // allocate(0) must still return a valid, non-zero pointer
	ptr := uint32(uintptr(unsafe.Pointer(unsafe.SliceData(buf))))
	pinned[ptr] = buf
	return ptr
}

//go:wasmexport deallocate
func deallocate(ptr, size uint32) {
	delete(pinned, ptr)
}

//go:wasmexport execute_node
func execute_node(ptr, length uint32) uint64 {
	// A view of the host-written input; it is valid only during this call.
	input := unsafe.Slice((*byte)(unsafe.Pointer(uintptr(ptr))), length)
	return pack(run(input))
}

// run is the node's logic: the context JSON {"params": {...}, "$json": {...}} in, the result
// JSON out.
func run(input []byte) []byte {
	var ctx map[string]json.RawMessage // exact key match (a struct would match keys case-insensitively)
	// utf8.Valid: encoding/json would silently turn invalid UTF-8 into U+FFFD.
	if !utf8.Valid(input) || json.Unmarshal(input, &ctx) != nil || ctx == nil {
		return errorResult("invalid input JSON") // not JSON, or not an object
	}
	text := "World"
	var params map[string]any
	if json.Unmarshal(ctx["params"], &params) == nil {
		if t, ok := params["text"].(string); ok {
			text = t
		}
	}
	if text == "fail" {
		return errorResult("refused: text is fail")
	}
	original, ok := ctx["$json"] // raw JSON text, passed through verbatim
	if !ok {
		original = json.RawMessage("null")
	}
	out, err := json.Marshal([]any{map[string]any{"json": map[string]any{
		"wasm_processed": true,
		"message":        "Hello, " + text + "! Greetings from WebAssembly Runtime! 🚀",
		"original_data":  original,
	}}})
	if err != nil {
		return errorResult("cannot encode the result: " + err.Error())
	}
	return out
}

func errorResult(msg string) []byte {
	b, _ := json.Marshal(map[string]string{"error": msg})
	return b
}

// pack pins the output until deallocate and returns ptr<<32 | len.
func pack(out []byte) uint64 {
	if len(out) == 0 {
		out = errorResult("empty result")
	}
	ptr := uint32(uintptr(unsafe.Pointer(unsafe.SliceData(out))))
	pinned[ptr] = out
	return uint64(ptr)<<32 | uint64(len(out))
}

// main must exist; with -buildmode=c-shared it is not run, _initialize is.
func main() {}
