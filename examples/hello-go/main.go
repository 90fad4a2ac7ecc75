package main

import (
	"encoding/json"
	"reflect"
	"unsafe"
)

// Global map to keep alive memory allocations against GC and Host GC
var allocations = make(map[uint32][]byte)

// 1. Memory Hook for nLink to inject parameter data into Guest Memory
//go:wasmexport allocate
func allocate(size uint32) uint32 {
	buf := make([]byte, size)
	ptr := uint32(uintptr(unsafe.Pointer(&buf[0])))
	allocations[ptr] = buf
	return ptr
}

// 2. Memory Hook for nLink to instantly release Memory preventing OOM
//go:wasmexport deallocate
func deallocate(ptr uint32, size uint32) {
	delete(allocations, ptr)
}

// 3. Application Hook triggering business logic
//go:wasmexport execute_node
func execute_node(ptr uint32, length uint32) uint64 {
	var inputBytes []byte
	hdr := (*reflect.SliceHeader)(unsafe.Pointer(&inputBytes))
	hdr.Data = uintptr(ptr)
	hdr.Len = int(length)
	hdr.Cap = int(length)
	// Step 1. Parse JSON Context from nLink
	var inputObj map[string]interface{}
	if err := json.Unmarshal(inputBytes, &inputObj); err != nil {
		return packError("invalid input JSON")
	}
	// Step 2. Do Pure Computing Logic here (No network / HTTP access allowed)
	text := "World"
	if params, ok := inputObj["params"].(map[string]interface{}); ok {
		if t, hasT := params["text"].(string); hasT {
			text = t
		}
	}
	// Step 3. Transform to standard array output format
	outObj := make([]interface{}, 1)
	outObj[0] = map[string]interface{}{
		"json": map[string]interface{}{
			"wasm_processed": true,
			"message":        "Hello, " + text + "! Greetings from WebAssembly Runtime! 🚀",
			"original_data":  inputObj["$json"],
		},
	}
	outBytes, _ := json.Marshal(outObj)
	return packResult(outBytes)
}
func packError(msg string) uint64 {
	b, _ := json.Marshal(map[string]interface{}{"error": msg})
	return packResult(b)
}

// 4. Memory compression to bridge 32bit architectures
func packResult(outBytes []byte) uint64 {
	ptr := uint32(uintptr(unsafe.Pointer(&outBytes[0])))
	allocations[ptr] = outBytes
	return (uint64(ptr) << 32) | uint64(len(outBytes))
}

// Required explicitly for normal execution
func main() {}
