// {{displayName}}: {{description}}
//
// An nLink community node in AssemblyScript. The node kit beside this file (nlink.ts, json.ts)
// handles the ABI, memory and JSON plumbing; the node is the one function below. Build with
// ./build.sh (asc, a WASI preview1 reactor).
import { Item, Result, handle } from "./nlink";

export { allocate, deallocate, execute_node } from "./nlink";

handle(greet);

/** Answers each item with one greeting, or refuses the text "fail". */
function greet(item: Item, result: Result): void {
  let text = item.string("text");
  if (text == null) text = "World";
  if (text == "fail") {
    result.fail("refused: text is fail");
    return;
  }
  const out = result.output();
  out.appendString('{"wasm_processed":true,"message":');
  out.appendQuoted("Hello, " + text + "! Greetings from WebAssembly Runtime! 🚀");
  out.appendString(',"original_data":');
  out.appendSpan(item.json); // verbatim JSON text
  out.appendString("}");
}
