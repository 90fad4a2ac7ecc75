// The V8 side of bench/js-vs-v8.sh: runs a package's execution.js under Node exactly as nLink
// calls it (context JSON text in, result JSON text out, one context for the batch) and prints
//   node-v8 items=N lanes=1 items_per_s=X us_per_item=Y instance_us=Z
// Usage: node bench/js/node-throughput.js PACKAGE_DIR PARAMS_JSON ITEMS WARMUP
'use strict';
const fs = require('fs');
const path = require('path');
const vm = require('vm');

const [dir, paramsText, itemsText, warmupText] = process.argv.slice(2);
const script = fs.readFileSync(path.join(dir, 'execution.js'), 'utf8');
const definition = JSON.parse(fs.readFileSync(path.join(dir, 'definition.json'), 'utf8'));
const params = {};
for (const p of definition.properties || []) if (p.default !== undefined) params[p.name] = p.default;
Object.assign(params, JSON.parse(paramsText));

function item(k) {
  return { i: k, name: 'item ' + k, tags: ['a', 'b'], nested: { x: 3.5 } };
}

function newContext() {
  const sandbox = vm.createContext({});
  vm.runInContext(script, sandbox, { filename: 'execution.js' });
  return vm.runInContext('(function (t) { return JSON.stringify(execute_node(JSON.parse(t))); })', sandbox);
}

function run(call, n) {
  let out = 0;
  for (let k = 0; k < n; k++) {
    const result = JSON.parse(call(JSON.stringify({ params, $json: item(k) })));
    if (!Array.isArray(result)) throw new Error('item ' + k + ' failed: ' + JSON.stringify(result));
    out += result.length;
  }
  return out;
}

const t0 = process.hrtime.bigint();
for (let i = 0; i < 5; i++) newContext();
const instanceUs = Number(process.hrtime.bigint() - t0) / 5 / 1000;

run(newContext(), Number(warmupText));
const call = newContext();
const n = Number(itemsText);
const start = process.hrtime.bigint();
const out = run(call, n);
const seconds = Number(process.hrtime.bigint() - start) / 1e9;
if (out !== n) throw new Error('expected ' + n + ' items, got ' + out);
console.log(`node-v8 items=${n} lanes=1 items_per_s=${(n / seconds).toFixed(0)} us_per_item=${(seconds * 1e6 / n).toFixed(2)} instance_us=${instanceUs.toFixed(0)}`);
