// The workflow editor: the workflow's n8n JSON as the one state, edits with undo and redo, and the
// canvas that draws and changes it — nodes placed and dragged, outputs wired to inputs by dragging
// from port to port, zoom and pan — with the palette of node types beside it. Everything on screen
// is built with createElement(NS): node names and definitions come from strangers.
import {h} from './dom.js';
import {s, clip, shortType, isCommunity, connectionList} from './graph.js';

const BOX_W = 180;
const BOX_MIN_H = 58;
const PORT_GAP = 24;
const GRID = 20;
/** Undo keeps this many steps; a step is the whole workflow as JSON, so memory stays bounded. */
const MAX_HISTORY = 200;
const MIN_ZOOM = 0.2;
const MAX_ZOOM = 2.5;

const clone = value => JSON.parse(JSON.stringify(value));
const isPlainObject = v => v !== null && typeof v === 'object' && !Array.isArray(v);
const snap = v => Math.round(v / GRID) * GRID;

function newId() {
  return typeof crypto.randomUUID === 'function' ? crypto.randomUUID() : `${Date.now()}-${Math.random().toString(16).slice(2)}`;
}

function position(node) {
  const p = Array.isArray(node?.position) ? node.position : [];
  return [Number.isFinite(p[0]) ? p[0] : 0, Number.isFinite(p[1]) ? p[1] : 0];
}

/**
 * The ports a node has, as its definition says and its parameters make them (Switch's rules,
 * Merge's numberInputs, the error output of continueErrorOutput), never fewer than its wires use.
 * Each port: {label} (empty when the node has one of that kind).
 */
export function ports(node, entry, connections) {
  const def = entry?.definition ?? {};
  const p = node.parameters ?? {};
  let inputs = Array.isArray(def.inputs) ? def.inputs.length : 1;
  let outputs = Array.isArray(def.outputs) ? def.outputs.length : 1;
  let outputNames = Array.isArray(def.outputNames) ? def.outputNames.map(String) : [];
  if (!entry) { inputs = 1; outputs = 1; }
  if (def.inputsFrom === 'numberInputs') inputs = Math.max(inputs, Math.min(10, Number(p.numberInputs) || 2));
  if (def.outputsFrom === 'switch') {
    if (p.mode === 'expression') {
      outputs = Math.min(64, Math.max(1, Number(p.numberOutputs) || 4));
      outputNames = [];
    } else {
      const rules = Array.isArray(p.rules?.values) ? p.rules.values.length : 0;
      outputs = Math.max(1, rules);
      outputNames = Array.from({length: outputs}, (_, i) => String(i));
      if (p.options?.fallbackOutput === 'extra') { outputs++; outputNames.push('fallback'); }
    }
  }
  if (node.onError === 'continueErrorOutput' && outputs > 0) {
    while (outputNames.length < outputs) outputNames.push(outputNames.length ? String(outputNames.length) : 'success');
    outputs++;
    outputNames.push('error');
  }
  for (const c of connections) {
    if (c.from === node.name) outputs = Math.max(outputs, c.output + 1);
    if (c.to === node.name) inputs = Math.max(inputs, c.input + 1);
  }
  const names = Array.isArray(def.inputNames) ? def.inputNames.map(String) : [];
  return {
    inputs: Array.from({length: inputs}, (_, i) => ({label: inputs > 1 ? (names[i] ?? `Input ${i + 1}`) : ''})),
    outputs: Array.from({length: outputs}, (_, i) => ({label: outputs > 1 ? (outputNames[i] ?? String(i)) : ''})),
  };
}

/** The workflow being edited, with its history. `onChange(doc, reason)` hears every change. */
export class WorkflowDoc {
  constructor(definition, onChange) {
    this.doc = clone(definition ?? {});
    this.doc.nodes = Array.isArray(this.doc.nodes) ? this.doc.nodes : [];
    this.doc.connections = this.doc.connections && typeof this.doc.connections === 'object' ? this.doc.connections : {};
    this.undoStack = [];
    this.redoStack = [];
    this.lastKey = null;
    this.onChange = onChange;
  }

  /**
   * Changes the workflow with `change(doc)`. Edits with the same `key` in a row (typing into one
   * field, one drag) are one undo step.
   */
  edit(change, key = null) {
    const before = JSON.stringify(this.doc);
    if (key === null || key !== this.lastKey) {
      this.undoStack.push(before);
      if (this.undoStack.length > MAX_HISTORY) this.undoStack.shift();
      this.redoStack = [];
    }
    this.lastKey = key;
    change(this.doc);
    this.onChange(this.doc, 'edit');
  }

  replace(definition) {
    this.edit(doc => {
      for (const k of Object.keys(doc)) delete doc[k];
      Object.assign(doc, clone(definition));
      doc.nodes = Array.isArray(doc.nodes) ? doc.nodes : [];
      doc.connections = doc.connections && typeof doc.connections === 'object' ? doc.connections : {};
    });
  }

  undo() { this.travel(this.undoStack, this.redoStack); }

  redo() { this.travel(this.redoStack, this.undoStack); }

  travel(from, to) {
    if (!from.length) return;
    to.push(JSON.stringify(this.doc));
    this.doc = JSON.parse(from.pop());
    this.lastKey = null;
    this.onChange(this.doc, 'history');
  }

  /** Ends the current undo step: the next edit starts a new one even with the same key. */
  seal() { this.lastKey = null; }

  node(name) { return this.doc.nodes.find(n => n && n.name === name); }

  connections() { return connectionList(this.doc); }

  /** The items pinned on node `name` (their JSON), or null: n8n's pinData, `{"Node": [{"json": {…}}]}`. */
  pinned(name) {
    const pin = isPlainObject(this.doc.pinData) ? this.doc.pinData[name] : undefined;
    if (!Array.isArray(pin)) return null;
    return pin.map(item => (isPlainObject(item) && isPlainObject(item.json) ? item.json : item));
  }

  /** Pins `items` (JSON objects) as node `name`'s output, or unpins it when `items` is null. */
  pin(name, items) {
    this.edit(doc => {
      if (!isPlainObject(doc.pinData)) doc.pinData = {};
      if (items === null) delete doc.pinData[name];
      else doc.pinData[name] = items.map(json => ({json}));
    });
  }

  /** "Edit Fields", "Edit Fields1", … as n8n names copies. */
  freeName(base) {
    const taken = new Set(this.doc.nodes.map(n => n?.name));
    if (!taken.has(base)) return base;
    for (let i = 1; ; i++) if (!taken.has(`${base}${i}`)) return `${base}${i}`;
  }

  addNode(entry, at) {
    const name = this.freeName(entry.definition?.defaults?.name || entry.displayName || shortType(entry.type));
    const node = {id: newId(), name, type: entry.type, typeVersion: entry.builtin ? (entry.typeVersion ?? 1) : 1, position: at, parameters: {}};
    // A community node is pinned to the version it was added with: a newer upload does not change the workflow.
    if (!entry.builtin && entry.packageVersion) node.packageVersion = entry.packageVersion;
    this.edit(doc => doc.nodes.push(node));
    return name;
  }

  connect(from, output, to, input) {
    if (from === to) return false;
    const exists = this.connections().some(c => c.from === from && c.output === output && c.to === to && c.input === input);
    if (exists) return false;
    this.edit(doc => {
      const main = ((doc.connections[from] ??= {}).main ??= []);
      while (main.length <= output) main.push([]);
      main[output] = Array.isArray(main[output]) ? main[output] : [];
      main[output].push({node: to, type: 'main', index: input});
    });
    return true;
  }

  disconnect(c) {
    this.edit(doc => {
      const main = doc.connections[c.from]?.main;
      if (!Array.isArray(main?.[c.output])) return;
      main[c.output] = main[c.output].filter(t => !(t && t.node === c.to && (Number.isInteger(t.index) ? t.index : 0) === c.input));
      tidy(doc, c.from);
    });
  }

  removeNode(name) {
    this.removeNodes([name]);
  }

  /** Removes nodes with their wires and pinned data, as one undo step. */
  removeNodes(names) {
    const gone = new Set(names);
    this.edit(doc => {
      doc.nodes = doc.nodes.filter(n => !gone.has(n?.name));
      for (const name of gone) {
        delete doc.connections[name];
        if (isPlainObject(doc.pinData)) delete doc.pinData[name];
      }
      for (const from of Object.keys(doc.connections)) {
        const main = doc.connections[from]?.main;
        if (Array.isArray(main)) doc.connections[from].main = main.map(ts => (Array.isArray(ts) ? ts : []).filter(t => !gone.has(t?.node)));
        tidy(doc, from);
      }
    });
  }

  /**
   * The named nodes as n8n puts them on the clipboard: `{nodes, connections, pinData}` with only the
   * wires among them, so a paste (here or in n8n) brings them back wired as they were.
   */
  fragment(names) {
    const chosen = new Set(names);
    const nodes = this.doc.nodes.filter(n => n && chosen.has(n.name)).map(clone);
    const connections = {};
    for (const c of this.connections()) {
      if (!chosen.has(c.from) || !chosen.has(c.to)) continue;
      const main = ((connections[c.from] ??= {}).main ??= []);
      while (main.length <= c.output) main.push([]);
      main[c.output].push({node: c.to, type: 'main', index: c.input});
    }
    const pinData = {};
    for (const n of nodes) if (this.pinned(n.name)) pinData[n.name] = clone(this.doc.pinData[n.name]);
    return {nodes, connections, ...(Object.keys(pinData).length ? {pinData} : {})};
  }

  /**
   * Adds the nodes of a clipboard fragment (ours or n8n's) as one undo step: each gets a new id and
   * a free name as n8n gives one ("Set" → "Set1"), its wires to the other pasted nodes follow the
   * new names, and the group is moved down and right until it covers no node. Returns the new names.
   */
  paste(fragment) {
    const given = Array.isArray(fragment?.nodes) ? fragment.nodes.filter(n => isPlainObject(n) && typeof n.name === 'string' && typeof n.type === 'string') : [];
    if (!given.length) return [];
    const taken = new Set(this.doc.nodes.map(n => n?.name));
    const renamed = new Map();
    for (const n of given) {
      if (renamed.has(n.name)) continue; // a fragment with two nodes of one name keeps the first
      let name = n.name;
      if (taken.has(name)) {
        const base = name.replace(/\d+$/, '');
        for (let i = 1; ; i++) if (!taken.has(`${base}${i}`)) { name = `${base}${i}`; break; }
      }
      taken.add(name);
      renamed.set(n.name, name);
    }
    const occupied = new Set(this.doc.nodes.map(n => position(n).join(',')));
    let shift = 0;
    const at = (n, d) => [position(n)[0] + d, position(n)[1] + d];
    while (given.some(n => occupied.has(at(n, shift).join(','))) && shift < 4000) shift += 40;
    const added = [];
    this.edit(doc => {
      const seen = new Set();
      for (const n of given) {
        if (seen.has(n.name)) continue;
        seen.add(n.name);
        const copy = clone(n);
        copy.name = renamed.get(n.name);
        copy.id = newId();
        copy.position = at(n, shift);
        doc.nodes.push(copy);
        added.push(copy.name);
      }
      const wires = connectionList(fragment).filter(c => renamed.has(c.from) && renamed.has(c.to));
      for (const c of wires) {
        const main = ((doc.connections[renamed.get(c.from)] ??= {}).main ??= []);
        while (main.length <= c.output) main.push([]);
        main[c.output].push({node: renamed.get(c.to), type: 'main', index: c.input});
      }
      if (isPlainObject(fragment.pinData)) {
        for (const [name, items] of Object.entries(fragment.pinData)) {
          if (!renamed.has(name) || !Array.isArray(items)) continue;
          if (!isPlainObject(doc.pinData)) doc.pinData = {};
          doc.pinData[renamed.get(name)] = clone(items);
        }
      }
    });
    return added;
  }

  /** Renames a node and every wire to and from it; refused (false) when the name is taken or empty. */
  rename(from, to) {
    to = String(to ?? '').trim();
    if (!to || to === from || this.node(to) || to.length > 128) return false;
    this.edit(doc => {
      const node = doc.nodes.find(n => n?.name === from);
      if (node) node.name = to;
      // n8n keys pinned data by node name: it follows the node.
      if (isPlainObject(doc.pinData) && from in doc.pinData) {
        doc.pinData[to] = doc.pinData[from];
        delete doc.pinData[from];
      }
      if (doc.connections[from]) {
        doc.connections[to] = doc.connections[from];
        delete doc.connections[from];
      }
      for (const kinds of Object.values(doc.connections)) {
        for (const ts of Array.isArray(kinds?.main) ? kinds.main : []) {
          for (const t of Array.isArray(ts) ? ts : []) if (t?.node === from) t.node = to;
        }
      }
    });
    return true;
  }
}

/** Drops a node's empty trailing outputs and the entry itself when nothing is left, as n8n writes them. */
function tidy(doc, from) {
  const main = doc.connections[from]?.main;
  if (!Array.isArray(main)) return;
  while (main.length && (!Array.isArray(main[main.length - 1]) || main[main.length - 1].length === 0)) main.pop();
  if (main.length === 0) delete doc.connections[from];
}

// ---- The canvas ------------------------------------------------------------------------------

/**
 * canvas(wf, types, {onSelect, onRender}) → {element, render(), select(selection), selection(), setStatuses(map), setStatus(name, state),
 * fit(), deleteSelection(), addFromPalette(entry)}.
 * The svg is `#workflow-graph`; each node a `g.graph-node[data-node]` with `circle.port-in[data-input]`
 * and `circle.port-out[data-output]`; each wire a `path.graph-edge` (data-from, data-output, data-to, data-input).
 */
export function canvas(wf, types, {onSelect, onRender = () => {}}) {
  const view = {x: 40, y: 40, k: 1};
  // {node: name, nodes: [names]} (node: the one the panel shows; nodes: every selected node) or {connection: {from, output, to, input}}
  let selection = null;
  const isSelected = name => Boolean(selection?.nodes?.includes(name));
  let statuses = {};
  let fitted = false;

  const viewport = s('g', {class: 'canvas-viewport'});
  const edges = s('g', {class: 'graph-edges'});
  const layer = s('g', {class: 'graph-nodes'});
  const ghost = s('path', {class: 'canvas-ghost', d: ''});
  viewport.append(edges, ghost, layer);
  const svg = s('svg', {id: 'workflow-graph', class: 'graph canvas', role: 'application', 'aria-label': 'Workflow canvas: drag nodes, drag from an output to an input to connect'},
    s('rect', {class: 'canvas-background', width: '100%', height: '100%'}), viewport);
  const empty = h('div', {class: 'canvas-empty', id: 'canvas-empty'}, 'Add a node from the palette: a trigger first, such as Manual Trigger.');

  const applyView = () => viewport.setAttribute('transform', `translate(${view.x} ${view.y}) scale(${view.k})`);
  const toWorld = (clientX, clientY) => {
    const r = svg.getBoundingClientRect();
    return [(clientX - r.left - view.x) / view.k, (clientY - r.top - view.y) / view.k];
  };

  function geometry(node, list) {
    const p = ports(node, types.get(node.type), list);
    const height = Math.max(BOX_MIN_H, Math.max(p.inputs.length, p.outputs.length) * PORT_GAP + 14);
    const y = (count, i) => height * (i + 1) / (count + 1);
    return {ports: p, height, inY: i => y(p.inputs.length, i), outY: i => y(p.outputs.length, i)};
  }

  function render() {
    const doc = wf.doc;
    const nodes = doc.nodes.filter(n => n && typeof n.name === 'string');
    const byName = new Map(nodes.map(n => [n.name, n]));
    const list = wf.connections().filter(c => byName.has(c.from) && byName.has(c.to));
    const shapes = new Map(nodes.map(n => [n.name, geometry(n, list)]));
    edges.replaceChildren();
    layer.replaceChildren();
    empty.hidden = nodes.length > 0;

    for (const c of list) {
      const [fx, fy] = position(byName.get(c.from));
      const [tx, ty] = position(byName.get(c.to));
      const x1 = fx + BOX_W, y1 = fy + shapes.get(c.from).outY(c.output);
      const x2 = tx, y2 = ty + shapes.get(c.to).inY(c.input);
      const d = curve(x1, y1, x2, y2);
      const chosen = selection?.connection && sameConnection(selection.connection, c);
      const data = {'data-from': c.from, 'data-output': c.output, 'data-to': c.to, 'data-input': c.input};
      const hit = s('path', {class: 'edge-hit', d, ...data}, s('title', {}, `${c.from} → ${c.to} (click to select, Delete to remove)`));
      hit.addEventListener('pointerdown', e => {
        e.stopPropagation();
        select({connection: c});
      });
      edges.append(s('path', {class: ['graph-edge', chosen && 'selected'], d, ...data}), hit);
    }

    for (const n of nodes) {
      const [x, y] = position(n);
      const shape = shapes.get(n.name);
      const entry = types.get(n.type);
      const community = isCommunity(n.type);
      const missing = !entry && n.disabled !== true;
      // A status is a string, or {status, items} while a run goes and after it (items: its output count).
      const state = statuses[n.name];
      const status = typeof state === 'string' ? state : state?.status;
      const pinned = wf.pinned(n.name) !== null;
      const g = s('g', {class: ['graph-node', community && 'graph-node-community', n.disabled === true && 'graph-node-disabled', missing && 'graph-node-missing',
          isSelected(n.name) && 'selected', typeof status === 'string' && /^[a-z]+$/.test(status) && `status-${status}`, pinned && 'graph-node-pinned'],
        transform: `translate(${x} ${y})`, tabindex: 0, role: 'button', 'data-node': n.name, 'data-status': typeof status === 'string' ? status : '',
        'aria-pressed': String(isSelected(n.name))},
        s('title', {}, `${n.name}\n${n.type ?? ''}${community && n.packageVersion ? ` ${n.packageVersion}` : ''}${missing ? '\nThis node type is not installed on this server: install it or disable the node.' : ''}`),
        s('rect', {class: 'graph-box', width: BOX_W, height: shape.height, rx: 8}),
        s('rect', {class: 'graph-status', width: 6, height: shape.height, rx: 3}),
        s('g', {class: 'node-icon', transform: 'translate(16 17)'}, icon(entry), s('text', {x: 0, y: 4, 'text-anchor': 'middle'}, entry?.initial ?? '?')),
        s('text', {class: 'graph-name', x: 34, y: 22}, clip(n.name, 20)),
        s('text', {class: 'graph-type', x: 16, y: 46}, clip(missing ? `${shortType(n.type)} (missing)` : entry?.displayName ?? shortType(n.type), community ? 13 : 22)));
      if (Number.isInteger(state?.items)) {
        g.append(s('text', {class: 'graph-count', x: BOX_W, y: shape.height + 15, 'text-anchor': 'end'}, `${state.items} item${state.items === 1 ? '' : 's'}`));
      }
      if (pinned) {
        g.append(s('g', {class: 'graph-pin', transform: `translate(${BOX_W - 52} -9)`},
          s('rect', {width: 46, height: 17, rx: 8.5}), s('text', {x: 23, y: 12.5, 'text-anchor': 'middle'}, 'pinned')));
      }
      if (community) {
        const label = clip(n.packageVersion ? `v${n.packageVersion}` : 'latest', 9);
        const w = 10 + label.length * 6.6;
        g.append(s('g', {class: 'graph-badge', transform: `translate(${BOX_W - w - 8} 34)`},
          s('rect', {width: w, height: 17, rx: 8.5}), s('text', {x: w / 2, y: 12.5, 'text-anchor': 'middle'}, label)));
      }
      shape.ports.inputs.forEach((p, i) => {
        g.append(s('circle', {class: 'port port-in', cx: 0, cy: shape.inY(i), r: 7, 'data-input': i}, s('title', {}, p.label || 'input')));
        if (p.label) g.append(s('text', {class: 'port-label port-label-in', x: -10, y: shape.inY(i) - 9, 'text-anchor': 'end'}, clip(p.label, 12)));
      });
      shape.ports.outputs.forEach((p, i) => {
        const port = s('circle', {class: 'port port-out', cx: BOX_W, cy: shape.outY(i), r: 7, 'data-output': i},
          s('title', {}, `${p.label || 'output'}: drag to an input to connect`));
        port.addEventListener('pointerdown', e => startWire(e, n.name, i, BOX_W + x, shape.outY(i) + y));
        g.append(port);
        if (p.label) g.append(s('text', {class: 'port-label', x: BOX_W + 10, y: shape.outY(i) - 9}, clip(p.label, 12)));
      });
      g.addEventListener('pointerdown', e => startMove(e, n.name));
      g.addEventListener('keydown', e => {
        if (e.key === 'Enter' || e.key === ' ') { e.preventDefault(); select({node: n.name}); }
      });
      layer.append(g);
    }
    if (!fitted && nodes.length && svg.isConnected && svg.clientWidth > 0) fit();
    applyView();
    onRender(); // marks the page adds to nodes (required parameters missing) survive every redraw
  }

  function select(next) {
    if (next?.node && !Array.isArray(next.nodes)) next = {...next, nodes: [next.node]};
    selection = next;
    render();
    onSelect(selection);
  }

  // Moving a node: the position follows the pointer (snapped to the grid); the drop is one undo step.
  function startMove(e, name) {
    if (e.button !== 0 || e.target.classList.contains('port')) return;
    e.stopPropagation();
    const node = wf.node(name);
    if (!node) return;
    if (e.shiftKey || e.ctrlKey || e.metaKey) {
      // Shift- or Ctrl-click adds a node to the selection or takes it out.
      const names = (selection?.nodes ?? []).filter(x => x !== name);
      if (!isSelected(name)) names.push(name);
      select(names.length ? {node: isSelected(name) ? names[names.length - 1] : name, nodes: names} : null);
      return;
    }
    if (!isSelected(name)) select({node: name});
    else if (selection.node !== name) select({...selection, node: name});
    // Every selected node moves with the one dragged.
    const group = selection.nodes.map(x => [x, position(wf.node(x))]).filter(([x]) => wf.node(x));
    const [startX, startY] = position(node);
    const [wx, wy] = toWorld(e.clientX, e.clientY);
    const key = `move:${name}:${Date.now()}`;
    let moved = false;
    track(e, ev => {
      const [mx, my] = toWorld(ev.clientX, ev.clientY);
      const dx = snap(startX + mx - wx) - startX, dy = snap(startY + my - wy) - startY;
      if (!moved && Math.hypot(mx - wx, my - wy) < 4) return;
      moved = true;
      const current = position(wf.node(name));
      if (current[0] !== startX + dx || current[1] !== startY + dy) {
        wf.edit(doc => {
          for (const [x, [px, py]] of group) {
            const n = doc.nodes.find(m => m?.name === x);
            if (n) n.position = [px + dx, py + dy];
          }
        }, key);
      }
    }, () => wf.seal());
  }

  // Wiring: a line follows the pointer from the output; dropped on an input (or on a node: its
  // first free input), it connects.
  function startWire(e, from, output, x1, y1) {
    if (e.button !== 0) return;
    e.stopPropagation();
    e.preventDefault();
    svg.classList.add('wiring');
    track(e, ev => {
      const [mx, my] = toWorld(ev.clientX, ev.clientY);
      ghost.setAttribute('d', curve(x1, y1, mx, my));
    }, ev => {
      ghost.setAttribute('d', '');
      svg.classList.remove('wiring');
      const target = document.elementFromPoint(ev.clientX, ev.clientY);
      const g = target?.closest?.('g.graph-node');
      if (!g || !svg.contains(g)) return;
      const to = g.dataset.node;
      let input = target.classList.contains('port-in') ? Number(target.dataset.input) : 0;
      if (!target.classList.contains('port-in')) {
        const taken = new Set(wf.connections().filter(c => c.to === to).map(c => c.input));
        const count = g.querySelectorAll('.port-in').length;
        if (count === 0) return;
        for (let i = 0; i < count; i++) if (!taken.has(i)) { input = i; break; }
      }
      if (to === from || !g.querySelector(`.port-in[data-input="${input}"]`)) return;
      if (wf.connect(from, output, to, input)) select({connection: {from, output, to, input}});
    });
  }

  // Panning the background; a click on it clears the selection.
  svg.addEventListener('pointerdown', e => {
    if (e.button !== 0 || e.target.closest('g.graph-node') || e.target.classList.contains('edge-hit')) return;
    const start = {x: view.x, y: view.y, cx: e.clientX, cy: e.clientY};
    let moved = false;
    svg.classList.add('panning');
    track(e, ev => {
      moved = moved || Math.hypot(ev.clientX - start.cx, ev.clientY - start.cy) > 3;
      view.x = start.x + ev.clientX - start.cx;
      view.y = start.y + ev.clientY - start.cy;
      applyView();
    }, () => {
      svg.classList.remove('panning');
      if (!moved && selection) select(null);
    });
  });

  svg.addEventListener('wheel', e => {
    e.preventDefault();
    const r = svg.getBoundingClientRect();
    zoomAt(e.clientX - r.left, e.clientY - r.top, Math.exp(-e.deltaY * 0.0015));
  }, {passive: false});

  function zoomAt(px, py, factor) {
    const k = Math.min(MAX_ZOOM, Math.max(MIN_ZOOM, view.k * factor));
    view.x = px - (px - view.x) * (k / view.k);
    view.y = py - (py - view.y) * (k / view.k);
    view.k = k;
    applyView();
  }

  /** Shows every node: scaled down when they do not fit, never above natural size. */
  function fit() {
    const nodes = wf.doc.nodes.filter(n => n && typeof n.name === 'string');
    const width = svg.clientWidth || 900, height = svg.clientHeight || 480;
    fitted = true;
    if (!nodes.length) { Object.assign(view, {x: 40, y: 40, k: 1}); applyView(); return; }
    const xs = nodes.map(n => position(n)[0]), ys = nodes.map(n => position(n)[1]);
    const minX = Math.min(...xs) - 60, minY = Math.min(...ys) - 50;
    const w = Math.max(...xs) + BOX_W + 60 - minX, hgt = Math.max(...ys) + BOX_MIN_H + 80 - minY;
    const k = Math.max(MIN_ZOOM, Math.min(1, width / w, height / hgt));
    view.k = k;
    view.x = (width - w * k) / 2 - minX * k;
    view.y = (height - hgt * k) / 2 - minY * k;
    applyView();
  }

  function deleteSelection() {
    if (selection?.nodes?.length) {
      wf.removeNodes(selection.nodes);
      select(null);
    } else if (selection?.connection) {
      wf.disconnect(selection.connection);
      select(null);
    }
  }

  /** Adds a node where the user will see it: right of the selected node, else of the rightmost, clear of others. */
  function addFromPalette(entry) {
    const nodes = wf.doc.nodes.filter(n => n && typeof n.name === 'string');
    const anchor = (selection?.node && wf.node(selection.node)) || nodes.reduce((a, n) => (!a || position(n)[0] > position(a)[0] ? n : a), null);
    let [x, y] = anchor ? [position(anchor)[0] + 240, position(anchor)[1]] : [0, 0];
    const busy = (px, py) => nodes.some(n => Math.abs(position(n)[0] - px) < BOX_W && Math.abs(position(n)[1] - py) < 90);
    while (busy(x, y)) y += 100;
    const name = wf.addNode(entry, [snap(x), snap(y)]);
    // Keep the new node in view.
    const width = svg.clientWidth || 900, height = svg.clientHeight || 480;
    const sx = x * view.k + view.x, sy = y * view.k + view.y;
    if (sx < 0 || sy < 0 || sx + BOX_W * view.k > width || sy + BOX_MIN_H * view.k > height) fit();
    select({node: name});
  }

  const toolbar = h('div', {class: 'canvas-tools', role: 'toolbar', 'aria-label': 'Canvas'},
    tool('canvas-zoom-in', '+', 'Zoom in', () => zoomAt((svg.clientWidth || 900) / 2, (svg.clientHeight || 480) / 2, 1.25)),
    tool('canvas-zoom-out', '−', 'Zoom out', () => zoomAt((svg.clientWidth || 900) / 2, (svg.clientHeight || 480) / 2, 0.8)),
    tool('canvas-fit', 'Fit', 'Show every node', fit));

  const element = h('div', {class: 'canvas-wrap', id: 'canvas'}, svg, toolbar, empty);
  return {
    element,
    render,
    select,
    fit,
    deleteSelection,
    addFromPalette,
    selection: () => selection,
    /** The selected nodes' names (none when a wire or nothing is selected). */
    selectedNodes: () => [...(selection?.nodes ?? [])],
    /** Selects every node, or the nodes named (the panel shows the last). */
    selectNodes(names) {
      const list = (names ?? wf.doc.nodes.filter(n => n && typeof n.name === 'string').map(n => n.name)).filter(x => wf.node(x));
      select(list.length ? {node: list[list.length - 1], nodes: list} : null);
    },
    setStatuses(next) {
      statuses = next && typeof next === 'object' ? {...next} : {};
      render();
    },
    /** Changes one node's status (and output count) as a run reports it. */
    setStatus(name, state) {
      statuses[name] = state;
      render();
    },
  };
}

/** The node's coloured disc: its definition's colour (set through the CSSOM, which the CSP allows). */
function icon(entry) {
  const disc = s('circle', {r: 11, cx: 0, cy: 0});
  const color = entry?.definition?.defaults?.color;
  if (typeof color === 'string' && /^#[0-9a-fA-F]{3,8}$/.test(color)) disc.style.fill = color;
  return disc;
}

function tool(id, label, title, action) {
  return h('button', {type: 'button', class: 'btn btn-small', id, title, 'aria-label': title, onclick: action}, label);
}

function curve(x1, y1, x2, y2) {
  const bend = Math.max(40, Math.abs(x2 - x1) / 2);
  return `M ${x1} ${y1} C ${x1 + bend} ${y1}, ${x2 - bend} ${y2}, ${x2 - 2} ${y2}`;
}

function sameConnection(a, b) {
  return a.from === b.from && a.output === b.output && a.to === b.to && a.input === b.input;
}

/** Follows the pointer until it is released: `move(event)` on each move, `end(event)` once. */
function track(down, move, end = () => {}) {
  const target = down.currentTarget ?? down.target;
  const id = down.pointerId;
  try { target.setPointerCapture?.(id); } catch { /* a synthetic pointer cannot be captured */ }
  const onMove = ev => { if (ev.pointerId === id) move(ev); };
  const onUp = ev => {
    if (ev.pointerId !== id) return;
    window.removeEventListener('pointermove', onMove);
    window.removeEventListener('pointerup', onUp);
    window.removeEventListener('pointercancel', onUp);
    try { target.releasePointerCapture?.(id); } catch { /* already released */ }
    end(ev);
  };
  window.addEventListener('pointermove', onMove);
  window.addEventListener('pointerup', onUp);
  window.addEventListener('pointercancel', onUp);
}

// ---- The palette -------------------------------------------------------------------------------

/** A searchable list of node types; choosing one calls `onPick(entry)`. */
export function palette(entries, onPick) {
  const search = h('input', {type: 'search', id: 'palette-search', placeholder: 'Search nodes…', 'aria-label': 'Search nodes', autocomplete: 'off'});
  const list = h('ul', {class: 'palette-list', id: 'palette-list'});
  const fill = () => {
    const words = search.value.toLowerCase().split(/\s+/).filter(Boolean);
    const shown = entries.filter(e => {
      const groups = Array.isArray(e.definition?.group) ? e.definition.group.join(' ') : '';
      const text = `${e.displayName} ${e.type} ${e.description ?? ''} ${groups} ${e.trigger ? 'trigger' : ''}`.toLowerCase();
      return words.every(w => text.includes(w));
    });
    list.replaceChildren(...shown.map(e => h('li', {},
      h('button', {type: 'button', class: 'palette-item', dataset: {type: e.type}, title: `${e.type}${e.packageVersion ? ` ${e.packageVersion}` : ''}`,
        onclick: () => onPick(e)},
        h('span', {class: 'palette-icon', style: {background: iconColor(e)}, 'aria-hidden': 'true'}, e.initial ?? '?'),
        h('span', {class: 'palette-text'},
          h('span', {class: 'palette-name'}, e.displayName || e.type,
            e.builtin ? null : h('span', {class: 'badge palette-badge'}, e.packageVersion ? `v${e.packageVersion}` : 'community')),
          h('span', {class: 'palette-description'}, e.description ?? ''))))));
    if (!shown.length) list.append(h('li', {class: 'muted small palette-none'}, 'No node matches.'));
  };
  search.addEventListener('input', fill);
  search.addEventListener('keydown', e => {
    if (e.key === 'Enter') {
      e.preventDefault();
      list.querySelector('.palette-item')?.click();
    }
  });
  fill();
  return h('aside', {class: 'palette', id: 'palette', 'aria-label': 'Node palette'},
    h('div', {class: 'palette-head'}, h('h3', {}, 'Add a node'), search), list);
}

function iconColor(entry) {
  const c = entry.definition?.defaults?.color;
  return typeof c === 'string' && /^#[0-9a-fA-F]{3,8}$/.test(c) ? c : entry.builtin ? '#6b7280' : '#6366f1';
}
