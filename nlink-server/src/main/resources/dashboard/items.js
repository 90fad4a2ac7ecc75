// Items as the pages show and take them: the JSON items editor's check, the output table (one
// column per top-level key), and Table/JSON tabs. Shared by the node test run and the workflow pages.
import {h} from './dom.js';

/** The items array from an editor's text, or throws with a message saying what is wrong. */
export function readItems(text) {
  let items;
  try { items = JSON.parse(text); }
  catch (e) { throw new Error(`Items are not valid JSON: ${e.message}`); }
  if (!Array.isArray(items)) throw new Error('Items must be a JSON array of objects, like [{"a": 1}, {"a": 2}].');
  if (items.length === 0) throw new Error('Items are empty: give at least one object, e.g. [{}].');
  items.forEach((item, i) => {
    if (item === null || typeof item !== 'object' || Array.isArray(item)) {
      throw new Error(`Item ${i} is ${item === null ? 'null' : Array.isArray(item) ? 'an array' : `a ${typeof item}`}; every item must be a JSON object.`);
    }
  });
  return items;
}

const isObject = v => v !== null && typeof v === 'object' && !Array.isArray(v);

function cell(value) {
  if (value === undefined) return h('td', {class: 'muted'}, '');
  if (typeof value === 'string') return h('td', {}, value);
  if (value === null) return h('td', {class: 'muted'}, 'null');
  if (typeof value === 'object') return h('td', {}, h('code', {class: 'json-cell'}, JSON.stringify(value)));
  return h('td', {class: `value-${typeof value}`}, String(value));
}

/**
 * The output table: one row per item, a first column with the row's index, then one column per
 * top-level key of the items (their union, in first-seen order).
 * rows: [{index, items: [json…]} | {index, error, errorKind}]; a row with no items says so.
 */
export function itemsTable(rows, {id, indexLabel = 'input #', emptyText = 'no output items'} = {}) {
  const keys = [];
  const seen = new Set();
  for (const r of rows) {
    if (r.error) continue;
    for (const json of r.items ?? []) {
      if (isObject(json)) for (const k of Object.keys(json)) if (!seen.has(k)) { seen.add(k); keys.push(k); }
    }
  }
  const span = Math.max(1, keys.length);
  const trs = [];
  for (const r of rows) {
    const index = h('td', {class: 'index'}, String(r.index));
    if (r.error) {
      trs.push(h('tr', {class: 'error-row', dataset: {input: r.index}}, index,
        h('td', {colspan: span}, h('span', {class: 'badge badge-error'}, r.errorKind ?? 'error'), ' ', r.error)));
      continue;
    }
    const items = r.items ?? [];
    if (!items.length) {
      trs.push(h('tr', {class: 'empty-row', dataset: {input: r.index}}, index, h('td', {colspan: span, class: 'muted'}, emptyText)));
    }
    items.forEach((json, i) => {
      trs.push(h('tr', {dataset: {input: r.index}}, i ? index.cloneNode(true) : index,
        keys.length ? keys.map(k => cell(isObject(json) ? json[k] : undefined)) : cell(json)));
    });
  }
  return h('div', {class: 'table-wrap'}, h('table', {class: 'table output', id},
    h('thead', {}, h('tr', {}, h('th', {class: 'index'}, indexLabel), keys.length ? keys.map(k => h('th', {}, k)) : h('th', {}, 'output'))),
    h('tbody', {}, trs)));
}

/**
 * Tabs over panes: [{key, label, content}] → [tab list, pane…], the first pane shown. Tab buttons
 * get ids `${prefix}-tab-${key}`.
 */
export function tabs(prefix, panes) {
  const buttons = panes.map((p, i) => h('button', {type: 'button', class: ['tab', i === 0 && 'active'], id: `${prefix}-tab-${p.key}`,
    role: 'tab', 'aria-selected': String(i === 0)}, p.label));
  const select = which => panes.forEach((p, i) => {
    p.content.hidden = p.key !== which;
    buttons[i].classList.toggle('active', p.key === which);
    buttons[i].setAttribute('aria-selected', String(p.key === which));
  });
  buttons.forEach((b, i) => b.addEventListener('click', () => select(panes[i].key)));
  select(panes[0].key);
  return [h('div', {class: 'tabs', role: 'tablist'}, buttons), panes.map(p => p.content)];
}
