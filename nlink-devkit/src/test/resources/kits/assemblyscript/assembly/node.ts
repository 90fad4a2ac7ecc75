// Kit probe in AssemblyScript: replaces the template's assembly/node.ts in KitsTest to drive the
// node kit's plumbing (no items, several items, an error after an item was started, a large
// unicode item echoed back).
import { Item, Result, handle } from "./nlink";

export { allocate, deallocate, execute_node } from "./nlink";

handle(kitProbe);

function kitProbe(item: Item, result: Result): void {
  const t = item.string("text");
  const text = t != null ? t : "";
  if (text == "empty") return;
  if (text == "many") {
    for (let i = 0; i < 3; i++) result.output().appendString('{"i":' + i.toString() + "}");
    return;
  }
  if (text == "error") {
    result.output().appendString('{"dropped":true}');
    result.fail('refused ✓ "quoted" \\ Ünïcødé 🚀\nsecond line');
    return;
  }
  const out = result.output();
  out.appendString('{"text":');
  out.appendQuoted(text);
  out.appendString(',"item":');
  out.appendSpan(item.json);
  out.appendString("}");
}
