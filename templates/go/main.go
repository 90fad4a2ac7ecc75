// {{displayName}}: {{description}}
//
// An nLink community node in Go. The nlink package beside this file (the node kit) handles the
// ABI, memory and JSON plumbing; the node is the one function below. Build with ./build.sh:
//
//	GOOS=wasip1 GOARCH=wasm go build -buildmode=c-shared -o execution.wasm .
package main

import (
	"errors"

	"nlink-node/nlink"
)

func init() { nlink.Handle(greet) }

// greet answers each item with one greeting, or refuses the text "fail".
func greet(item nlink.Item) ([]any, error) {
	text, ok := item.Params["text"].(string)
	if !ok {
		text = "World"
	}
	if text == "fail" {
		return nil, errors.New("refused: text is fail")
	}
	return []any{map[string]any{
		"wasm_processed": true,
		"message":        "Hello, " + text + "! Greetings from WebAssembly Runtime! 🚀",
		"original_data":  item.JSON, // raw JSON text, passed through verbatim
	}}, nil
}

// main must exist; with -buildmode=c-shared it is not run (init functions and _initialize are).
func main() {}
