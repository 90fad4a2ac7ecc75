// The selected node's data in the editor, as n8n shows it: its input and its output side by side,
// each as a table and as JSON, with "Run node" (the node alone, with its input) and "Pin" (keep
// this output in the workflow's pinData and reuse it while building).
import {h, notice} from './dom.js';
import {itemsTable, tabs} from './items.js';

/**
 * nodeData({name, input, output, pinned, canRun, running, onRun, onPin, onUnpin}) → the section.
 *   input:  {items, source} | null — what reaches the node's first input (from the upstream nodes' data)
 *   output: {outputs: [[json…]…], status, error, source, names} | null — what it gave last
 *   pinned: the pinned items, or null
 */
export function nodeData({name, input, output, pinned, canRun, running, onRun, onPin, onUnpin}) {
  const runButton = h('button', {type: 'button', class: 'btn btn-small btn-primary', id: 'node-run', disabled: !canRun || running,
    title: canRun ? 'Run this node alone with the input shown here' : 'Save the workflow first'}, running ? 'Running…' : 'Run node');
  runButton.addEventListener('click', onRun);
  const first = pinned ?? (Array.isArray(output?.outputs?.[0]) ? output.outputs[0] : null);
  const pinButton = pinned
    ? h('button', {type: 'button', class: 'btn btn-small', id: 'node-unpin', title: 'Let the node run again in manual runs'}, 'Unpin')
    : h('button', {type: 'button', class: 'btn btn-small', id: 'node-pin', disabled: !first || !first.length,
      title: first && first.length ? 'Keep this output: manual runs pass it on instead of running the node' : 'Run the node first: there is no output to pin'}, 'Pin output');
  pinButton.addEventListener('click', () => (pinned ? onUnpin() : onPin(first)));

  const inputColumn = h('div', {class: 'data-column', id: 'node-input'},
    h('h3', {}, 'Input', input ? h('span', {class: 'muted small'}, ` — ${count(input.items)} · ${input.source}`) : null),
    input ? views('node-input', [input.items]) : h('p', {class: 'muted small', id: 'node-input-empty'},
      'No input yet: run the workflow, or run or pin the nodes before this one.'));

  let outputBody;
  if (pinned) {
    const note = notice(`Pinned: ${count(pinned)}. Manual runs pass these on instead of running the node; webhook, schedule and retry runs run it.`);
    note.id = 'node-output-pinned';
    outputBody = [note,
      views('node-data-output', [pinned])];
  } else if (output) {
    outputBody = [
      output.error ? h('div', {class: 'banner banner-error', id: 'node-data-error'}, h('div', {class: 'banner-message'}, output.error)) : null,
      output.status === 'skipped' ? h('p', {class: 'muted small'}, 'Skipped: no item reached it.') : null,
      views('node-data-output', output.outputs, output.names)];
  } else {
    outputBody = h('p', {class: 'muted small', id: 'node-output-empty'}, 'No output yet: run the workflow or this node.');
  }
  const outputColumn = h('div', {class: 'data-column', id: 'node-output'},
    h('h3', {}, 'Output', output && !pinned ? h('span', {class: 'muted small', id: 'node-output-source'},
      ` — ${output.status ?? ''}${output.source ? ` · ${output.source}` : ''}`) : null),
    outputBody);

  return h('section', {class: 'panel', id: 'node-data', dataset: {node: name}},
    h('div', {class: 'panel-head'}, h('h2', {}, `Data of ${name}`),
      h('div', {class: 'head-actions'}, runButton, pinButton)),
    h('div', {class: 'data-columns'}, inputColumn, outputColumn));
}

function count(items) {
  const n = Array.isArray(items) ? items.length : 0;
  return `${n} item${n === 1 ? '' : 's'}`;
}

/** Each list of items as Table and JSON tabs; several lists (IF's true and false) one after the other. */
function views(prefix, lists, names = []) {
  return (Array.isArray(lists) ? lists : []).map((items, i) => {
    const list = Array.isArray(items) ? items : [];
    const id = i === 0 ? prefix : `${prefix}-${i}`;
    const table = itemsTable(list.map((json, index) => ({index, items: [json]})), {id: `${id}-table`, indexLabel: 'item #'});
    if (!list.length) table.replaceChildren(h('p', {class: 'muted small'}, 'No items.'));
    const json = h('pre', {class: 'code-block', id: `${id}-json`}, JSON.stringify(list, null, 2));
    return h('div', {class: 'data-view'},
      lists.length > 1 ? h('h4', {}, `Output ${i}${names[i] ? ` (${names[i]})` : ''} — ${count(list)}`) : null,
      tabs(id, [{key: 'table', label: 'Table', content: table}, {key: 'json', label: 'JSON', content: json}]));
  });
}
