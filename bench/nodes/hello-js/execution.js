// The seed's hello node as execution.js: what bench/js-vs-v8.sh runs under nLink and under Node.
function execute_node(input) {
  const text = typeof input.params.text === 'string' ? input.params.text : 'World';
  if (text === 'fail') return { error: 'refused: text is fail' };
  return [{ json: { wasm_processed: true,
                    message: 'Hello, ' + text + '! Greetings from WebAssembly Runtime! 🚀',
                    original_data: input.$json === undefined ? null : input.$json } }];
}
