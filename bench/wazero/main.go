// Command wazero-bench runs an nLink node package's execution.wasm under wazero with the same
// ABI and sandbox settings as nLink (docs/abi.md), and prints one line of throughput figures:
//
//	wazero-<mode> items=<N> lanes=<L> items_per_s=<x> us_per_item=<y> instance_us=<z>
//
// Usage:
//
//	go run . -wasm PATH -params JSON -items N -lanes L -mode close|noclose -warmup W [-input FILE]
//
// mode=close sets RuntimeConfig.WithCloseOnContextDone(true) and gives every item a 10 s
// context.WithTimeout: the like-for-like configuration, because nLink can stop a looping guest
// and wazero can only do so in this mode. mode=noclose leaves it off (wazero's fastest setting,
// with no way to stop a guest that never returns).
package main

import (
	"bufio"
	"bytes"
	"context"
	"crypto/rand"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"sync"
	"time"

	"github.com/tetratelabs/wazero"
	"github.com/tetratelabs/wazero/api"
	"github.com/tetratelabs/wazero/imports/wasi_snapshot_preview1"
)

const (
	memoryLimitPages = 512              // nLink's sandbox cap (32 MiB)
	maxOutputBytes   = 8 << 20          // nLink's default result limit
	itemTimeout      = 10 * time.Second // nLink's default item timeout (mode=close only)
	initTimeout      = 30 * time.Second // nLink's default init timeout (mode=close only)
	instanceSamples  = 5
)

var showFirst bool

func main() {
	wasmPath := flag.String("wasm", "", "execution.wasm, or a package folder holding it")
	paramsJSON := flag.String("params", "{}", "the node's parameters, a JSON object (sent as given, compacted)")
	items := flag.Int("items", 20000, "timed items, split across the lanes")
	lanes := flag.Int("lanes", 1, "lanes: one instance and one goroutine each")
	mode := flag.String("mode", "close", "close: WithCloseOnContextDone(true) and a 10 s timeout per item; noclose: neither")
	warmup := flag.Int("warmup", 20000, "untimed items per lane before timing")
	inputFile := flag.String("input", "", "NDJSON items (each {\"json\":{...}} or a bare object), used in a cycle; default: generated items")
	flag.BoolVar(&showFirst, "show", false, "print the context and the result of the first item to stderr")
	flag.Parse()

	if err := run(*wasmPath, *paramsJSON, *items, *lanes, *mode, *warmup, *inputFile); err != nil {
		fmt.Fprintln(os.Stderr, "wazero-bench:", err)
		os.Exit(1)
	}
}

func run(wasmPath, paramsJSON string, items, lanes int, mode string, warmup int, inputFile string) error {
	if wasmPath == "" {
		return errors.New("-wasm is required")
	}
	if st, err := os.Stat(wasmPath); err == nil && st.IsDir() {
		wasmPath = filepath.Join(wasmPath, "execution.wasm")
	}
	if mode != "close" && mode != "noclose" {
		return fmt.Errorf("-mode must be close or noclose, got %q", mode)
	}
	if items < 1 || lanes < 1 || warmup < 0 {
		return errors.New("-items and -lanes must be at least 1, -warmup at least 0")
	}
	closeOnDone := mode == "close"

	params, err := compactObject([]byte(paramsJSON))
	if err != nil {
		return fmt.Errorf("-params: %v", err)
	}
	itemJSON, err := loadItems(inputFile, items)
	if err != nil {
		return err
	}
	wasm, err := os.ReadFile(wasmPath)
	if err != nil {
		return err
	}

	ctx := context.Background()
	cache := wazero.NewCompilationCache()
	defer cache.Close(ctx)
	cfg := wazero.NewRuntimeConfigCompiler().
		WithCompilationCache(cache).
		WithMemoryLimitPages(memoryLimitPages).
		WithCloseOnContextDone(closeOnDone)
	rt := wazero.NewRuntimeWithConfig(ctx, cfg)
	defer rt.Close(ctx)
	wasi_snapshot_preview1.MustInstantiate(ctx, rt)
	compiled, err := rt.CompileModule(ctx, wasm)
	if err != nil {
		return fmt.Errorf("compile %s: %v", wasmPath, err)
	}

	newLane := func() (*lane, error) { return newInstance(ctx, rt, compiled, params, closeOnDone) }

	// One instance per lane for the whole run.
	ls := make([]*lane, lanes)
	for i := range ls {
		if ls[i], err = newLane(); err != nil {
			return err
		}
	}
	// instance_us: mean of instantiate + _initialize over a few extra instances.
	var instTotal time.Duration
	for i := 0; i < instanceSamples; i++ {
		t0 := time.Now()
		l, err := newLane()
		instTotal += time.Since(t0)
		if err != nil {
			return err
		}
		l.mod.Close(ctx)
	}
	instanceUS := float64(instTotal.Microseconds()) / instanceSamples

	ls[0].show = showFirst
	// Warm-up: W items per lane, lanes in parallel, not timed.
	if err := onLanes(ls, func(j int, l *lane) error {
		for k := 0; k < warmup; k++ {
			if err := l.item(itemJSON[k%len(itemJSON)]); err != nil {
				return fmt.Errorf("warm-up item %d on lane %d: %v", k, j, err)
			}
		}
		return nil
	}); err != nil {
		return err
	}

	// Timed: items k = j, j+L, j+2L, ... on lane j.
	t0 := time.Now()
	if err := onLanes(ls, func(j int, l *lane) error {
		for k := j; k < items; k += lanes {
			if err := l.item(itemJSON[k%len(itemJSON)]); err != nil {
				return fmt.Errorf("item %d on lane %d: %v", k, j, err)
			}
		}
		return nil
	}); err != nil {
		return err
	}
	wall := time.Since(t0)

	outputs := 0
	for _, l := range ls {
		outputs += l.outputs
	}
	if outputs == 0 {
		return errors.New("the node returned no output items at all")
	}
	fmt.Printf("wazero-%s items=%d lanes=%d items_per_s=%.1f us_per_item=%.2f instance_us=%.0f\n",
		mode, items, lanes, float64(items)/wall.Seconds(),
		float64(wall.Nanoseconds())/1e3*float64(lanes)/float64(items), instanceUS)
	return nil
}

// onLanes runs f on every lane in its own goroutine and returns the first error.
func onLanes(ls []*lane, f func(j int, l *lane) error) error {
	errs := make([]error, len(ls))
	var wg sync.WaitGroup
	for j, l := range ls {
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs[j] = f(j, l)
		}()
	}
	wg.Wait()
	return errors.Join(errs...)
}

// lane is one instance of the module with its exports looked up once.
type lane struct {
	mod         api.Module
	mem         api.Memory
	allocate    api.Function
	deallocate  api.Function // nil when not exported
	execute     api.Function
	closeOnDone bool
	params      []byte
	ctxBuf      []byte
	stack       []uint64
	outputs     int
	show        bool // print the next item's context and result to stderr
}

// newInstance instantiates the compiled module as nLink's sandbox does: WASI preview1, no
// preopens, no environment, args ["nlink-node"], no start functions, then _initialize when it is
// exported. Clocks and randomness are the system's (nLink gives the guest the system UTC clock
// and SecureRandom; wazero's defaults are fakes).
func newInstance(ctx context.Context, rt wazero.Runtime, compiled wazero.CompiledModule, params []byte, closeOnDone bool) (*lane, error) {
	if closeOnDone {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, initTimeout)
		defer cancel()
	}
	mc := wazero.NewModuleConfig().
		WithName(""). // anonymous: one module may be instantiated many times
		WithStartFunctions().
		WithArgs("nlink-node").
		WithSysWalltime().
		WithSysNanotime().
		WithSysNanosleep().
		WithRandSource(rand.Reader)
	mod, err := rt.InstantiateModule(ctx, compiled, mc)
	if err != nil {
		return nil, fmt.Errorf("instantiate: %v", err)
	}
	if init := mod.ExportedFunction("_initialize"); init != nil {
		if _, err := init.Call(ctx); err != nil {
			mod.Close(ctx)
			return nil, fmt.Errorf("_initialize: %v", err)
		}
	}
	l := &lane{
		mod:         mod,
		mem:         mod.Memory(),
		allocate:    mod.ExportedFunction("allocate"),
		deallocate:  mod.ExportedFunction("deallocate"),
		execute:     mod.ExportedFunction("execute_node"),
		closeOnDone: closeOnDone,
		params:      params,
		stack:       make([]uint64, 2),
	}
	if l.mem == nil || l.allocate == nil || l.execute == nil {
		mod.Close(ctx)
		return nil, errors.New("the module must export memory, allocate and execute_node")
	}
	return l, nil
}

// item runs one item through the ABI sequence of docs/abi.md and checks the result.
func (l *lane) item(item []byte) error {
	// The context {"params":...,"$json":...}, built per item as nLink does.
	c := append(l.ctxBuf[:0], `{"params":`...)
	c = append(c, l.params...)
	c = append(c, `,"$json":`...)
	c = append(c, item...)
	c = append(c, '}')
	l.ctxBuf = c

	ctx := context.Background()
	if l.closeOnDone {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, itemTimeout)
		defer cancel()
	}
	n := uint32(len(c))
	st := l.stack

	// 1-2. allocate(len), bounds check, write the context.
	st[0] = uint64(n)
	if err := l.allocate.CallWithStack(ctx, st); err != nil {
		return fmt.Errorf("allocate: %v", err)
	}
	inPtr := uint32(st[0])
	if inPtr == 0 || uint64(inPtr)+uint64(n) > uint64(l.mem.Size()) {
		return fmt.Errorf("allocate(%d) returned %d, not a usable buffer in the guest's %d bytes of memory", n, inPtr, l.mem.Size())
	}
	if !l.mem.Write(inPtr, c) {
		return errors.New("writing the context failed")
	}

	// 3-4. execute_node, unpack outPtr<<32|outLen.
	st[0], st[1] = uint64(inPtr), uint64(n)
	if err := l.execute.CallWithStack(ctx, st); err != nil {
		return fmt.Errorf("execute_node: %v", err)
	}
	outPtr, outLen := uint32(st[0]>>32), uint32(st[0])

	// 5. Limit, bounds check (memory may have grown), copy out.
	if outLen > maxOutputBytes {
		return fmt.Errorf("the node returned a result of %d bytes, over the output limit of %d bytes", outLen, maxOutputBytes)
	}
	view, ok := l.mem.Read(outPtr, outLen)
	if !ok {
		return fmt.Errorf("execute_node returned the buffer [ptr=%d, len=%d], which lies outside the guest's %d bytes of memory", outPtr, outLen, l.mem.Size())
	}
	out := bytes.Clone(view)

	// 6. deallocate both buffers, with their exact sizes.
	if l.deallocate != nil {
		st[0], st[1] = uint64(inPtr), uint64(n)
		if err := l.deallocate.CallWithStack(ctx, st); err != nil {
			return fmt.Errorf("deallocate: %v", err)
		}
		if outLen > 0 {
			st[0], st[1] = uint64(outPtr), uint64(outLen)
			if err := l.deallocate.CallWithStack(ctx, st); err != nil {
				return fmt.Errorf("deallocate: %v", err)
			}
		}
	}

	if l.show {
		fmt.Fprintf(os.Stderr, "context: %s\nresult:  %s\n", c, out)
		l.show = false
	}

	// 7. Decode: [{"json":{...}}, ...] or {"error": ...}.
	count, err := decodeResult(out)
	if err != nil {
		return err
	}
	l.outputs += count
	return nil
}

// decodeResult parses the result into Go values and counts the output items.
func decodeResult(out []byte) (int, error) {
	if len(out) == 0 {
		return 0, errors.New(`the node returned an empty result; expected [{"json": {...}}, ...] or {"error": "..."}`)
	}
	var v any
	if err := json.Unmarshal(out, &v); err != nil {
		return 0, fmt.Errorf("the node returned invalid JSON (%v); first bytes: %q", err, excerpt(out))
	}
	switch r := v.(type) {
	case []any:
		for i, e := range r {
			obj, ok := e.(map[string]any)
			if !ok {
				return 0, fmt.Errorf(`the node returned an array whose element %d is not {"json": {...}}`, i)
			}
			if _, ok := obj["json"].(map[string]any); !ok {
				return 0, fmt.Errorf(`the node returned an array whose element %d is not {"json": {...}}`, i)
			}
		}
		return len(r), nil
	case map[string]any:
		if e, ok := r["error"]; ok {
			return 0, fmt.Errorf("the node refused the item: %v", e)
		}
		return 0, fmt.Errorf(`the node returned an object without "error"; first bytes: %q`, excerpt(out))
	default:
		return 0, fmt.Errorf("the node returned a JSON %T; first bytes: %q", v, excerpt(out))
	}
}

func excerpt(b []byte) string {
	if len(b) > 120 {
		b = b[:120]
	}
	return string(b)
}

// compactObject checks that b is one JSON object and returns it compacted, key order kept.
func compactObject(b []byte) ([]byte, error) {
	var probe map[string]json.RawMessage
	if err := json.Unmarshal(b, &probe); err != nil {
		return nil, fmt.Errorf("not a JSON object: %v", err)
	}
	var buf bytes.Buffer
	if err := json.Compact(&buf, b); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// loadItems returns the items' JSON texts: from an NDJSON file (an n8n-style {"json": {...}} is
// unwrapped), or n generated items {"i":k,"name":"item k","tags":["a","b"],"nested":{"x":3.5}}.
func loadItems(path string, n int) ([][]byte, error) {
	if path == "" {
		out := make([][]byte, n)
		for k := range out {
			ks := strconv.Itoa(k)
			out[k] = []byte(`{"i":` + ks + `,"name":"item ` + ks + `","tags":["a","b"],"nested":{"x":3.5}}`)
		}
		return out, nil
	}
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	var out [][]byte
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<20), 64<<20)
	for line := 1; sc.Scan(); line++ {
		b := bytes.TrimSpace(sc.Bytes())
		if len(b) == 0 {
			continue
		}
		obj, err := compactObject(b)
		if err != nil {
			return nil, fmt.Errorf("%s:%d: %v", path, line, err)
		}
		var probe map[string]json.RawMessage
		_ = json.Unmarshal(obj, &probe)
		if inner, ok := probe["json"]; ok && len(inner) > 0 && inner[0] == '{' {
			obj = inner
		}
		out = append(out, obj)
	}
	if err := sc.Err(); err != nil {
		return nil, err
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("%s: no items", path)
	}
	return out, nil
}
