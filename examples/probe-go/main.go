// Package main is the sandbox probe: a community node that tries, from inside the guest, every
// thing the nLink sandbox must refuse (files, environment, network, memory past the cap) and
// reports what it saw. It also misbehaves on request (loops, traps, bad results) so the host's
// limits and error reports are tested against a real compiled Go module rather than a mock.
//
// params.mode (or the item's own "mode" field) selects the behaviour; see execute_node below.
package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"net"
	"os"
	"strings"
	"unsafe"
)

// pinned keeps buffers handed to the host alive until the host deallocates them.
var pinned = map[uint32][]byte{}

//go:wasmexport allocate
func allocate(size uint32) uint32 {
	buf := make([]byte, max(size, 1))
	ptr := uint32(uintptr(unsafe.Pointer(unsafe.SliceData(buf))))
	pinned[ptr] = buf
	return ptr
}

//go:wasmexport deallocate
func deallocate(ptr uint32, size uint32) {
	delete(pinned, ptr)
}

type context struct {
	Params map[string]any `json:"params"`
	JSON   map[string]any `json:"$json"`
}

// retained keeps the memory bomb's allocations reachable so the GC cannot reclaim them.
var retained [][]byte

//go:wasmexport execute_node
func execute_node(ptr uint32, length uint32) uint64 {
	input := unsafe.Slice((*byte)(unsafe.Pointer(uintptr(ptr))), length)
	var ctx context
	if err := json.Unmarshal(input, &ctx); err != nil {
		return result(map[string]any{"error": "invalid input JSON: " + err.Error()})
	}
	mode, _ := ctx.Params["mode"].(string)
	if itemMode, ok := ctx.JSON["mode"].(string); ok {
		mode = itemMode // an item may pick its own behaviour, so one batch can mix them
	}
	switch mode {
	case "fs":
		_, readErr := os.ReadFile("/etc/passwd")
		writeErr := os.WriteFile("/tmp/nlink-probe", []byte("x"), 0o644)
		_, dirErr := os.ReadDir("/")
		return items(map[string]any{
			"read_error":        errString(readErr),
			"read_not_exist":    errors.Is(readErr, fs.ErrNotExist),
			"write_error":       errString(writeErr),
			"write_not_exist":   errors.Is(writeErr, fs.ErrNotExist),
			"readdir_not_exist": errors.Is(dirErr, fs.ErrNotExist),
		})
	case "env":
		return items(map[string]any{
			"home":    os.Getenv("HOME"),
			"environ": os.Environ(),
			"args":    os.Args,
		})
	case "net":
		conn, err := net.Dial("tcp", "127.0.0.1:80")
		if conn != nil {
			conn.Close()
		}
		return items(map[string]any{"dial_error": errString(err)})
	case "membomb":
		// Retain 1 MiB at a time until the runtime cannot grow memory any further.
		for {
			retained = append(retained, make([]byte, 1<<20))
		}
	case "leak":
		// Keeps 1 MiB per item forever: memory only ever grows, as with a leaky node.
		retained = append(retained, make([]byte, 1<<20))
		return items(map[string]any{"retained_mib": len(retained)})
	case "loop":
		for {
		}
	case "panic":
		panic("probe was asked to panic")
	case "error":
		return result(map[string]any{"error": "probe refused the item"})
	case "log":
		n := int(number(ctx.Params["bytes"], 16))
		fmt.Println(strings.Repeat("o", n))
		fmt.Fprintln(os.Stderr, strings.Repeat("e", n))
		return items(map[string]any{"logged": n})
	case "big":
		n := int(number(ctx.Params["bytes"], 1024))
		return items(map[string]any{"blob": strings.Repeat("x", n)})
	case "many":
		n := int(number(ctx.Params["count"], 3))
		out := make([]any, n)
		for i := range out {
			out[i] = map[string]any{"json": map[string]any{"i": i}}
		}
		return result(out)
	case "raw":
		// Returns params.text verbatim, to test how the host decodes malformed results.
		text, _ := ctx.Params["text"].(string)
		return pack([]byte(text))
	case "out_of_bounds":
		return uint64(0xFFFF_FFF0)<<32 | 64
	default:
		return items(map[string]any{"echo": ctx.JSON, "params": ctx.Params})
	}
}

func number(v any, fallback float64) float64 {
	if f, ok := v.(float64); ok {
		return f
	}
	return fallback
}

func errString(err error) string {
	if err == nil {
		return ""
	}
	return err.Error()
}

func items(jsonObj map[string]any) uint64 {
	return result([]any{map[string]any{"json": jsonObj}})
}

func result(v any) uint64 {
	out, _ := json.Marshal(v)
	return pack(out)
}

func pack(out []byte) uint64 {
	if len(out) == 0 {
		return 0
	}
	ptr := uint32(uintptr(unsafe.Pointer(unsafe.SliceData(out))))
	pinned[ptr] = out
	return uint64(ptr)<<32 | uint64(len(out))
}

func main() {}
