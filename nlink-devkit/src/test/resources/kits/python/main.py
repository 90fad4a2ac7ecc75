# Kit probe in Python: replaces the Python template's main.py in KitsTest to drive the node kit's
# plumbing (no items, several items, an error, a large unicode item echoed back).
import nlink


def kit_probe(item):
    text = item.params.get("text", "")
    if text == "empty":
        return []
    if text == "many":
        return [{"i": i} for i in range(3)]
    if text == "error":
        raise nlink.NodeError("refused \u2713 \"quoted\" \\ \u00dcn\u00efc\u00f8d\u00e9 \U0001F680\nsecond line")
    return [{"text": text, "item": item.json}]


nlink.run(kit_probe)
