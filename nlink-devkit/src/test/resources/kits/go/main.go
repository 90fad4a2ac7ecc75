// Kit probe in Go: replaces the Go template's main.go in KitsTest to drive the node kit's
// plumbing (no items, several items, an error, a large unicode item echoed back).
package main

import (
	"errors"

	"nlink-node/nlink"
)

func init() { nlink.Handle(kitProbe) }

func kitProbe(item nlink.Item) ([]any, error) {
	text, _ := item.Params["text"].(string)
	switch text {
	case "empty":
		return nil, nil
	case "many":
		return []any{map[string]int{"i": 0}, map[string]int{"i": 1}, map[string]int{"i": 2}}, nil
	case "error":
		return nil, errors.New("refused ✓ \"quoted\" \\ Ünïcødé 🚀\nsecond line")
	}
	return []any{map[string]any{"text": text, "item": item.JSON}}, nil
}

func main() {}
