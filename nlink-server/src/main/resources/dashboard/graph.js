// A workflow's graph as SVG, built with createElementNS like every other page (node names come
// from imported workflows): a box per node at its position, an arrow per connection, the view
// fitted to the nodes. Boxes take a status colour and can be selected.

const SVG = 'http://www.w3.org/2000/svg';
const BOX_W = 180;
const BOX_H = 58;
const PAD = 40;
/** The smallest view, in workflow units: below it the graph would be drawn larger than life. */
const MIN_W = 1000;
const MIN_H = 200;
const BASE = 'n8n-nodes-base.';
let serial = 0;

/** An SVG element, as dom.js's h() makes HTML ones (no listeners: SVG here is drawn, then wired by its caller). */
export function s(tag, attrs, ...children) {
  const el = document.createElementNS(SVG, tag);
  for (const [k, v] of Object.entries(attrs ?? {})) {
    if (v === undefined || v === null || v === false) continue;
    if (k === 'class') el.setAttribute('class', Array.isArray(v) ? v.filter(Boolean).join(' ') : v);
    else el.setAttribute(k, String(v));
  }
  for (const c of children.flat()) {
    if (c === null || c === undefined || c === false) continue;
    el.append(c instanceof Node ? c : document.createTextNode(String(c)));
  }
  return el;
}

export const isCommunity = type => typeof type === 'string' && !type.startsWith(BASE);

/** "n8n-nodes-base.manualTrigger" → "manualTrigger", "nlink-community.wasm_demo" → "wasm_demo". */
export function shortType(type) {
  if (typeof type !== 'string') return '?';
  if (type.startsWith(BASE)) return type.slice(BASE.length);
  const dot = type.lastIndexOf('.');
  return dot >= 0 ? type.slice(dot + 1) : type;
}

/** `text` cut to `max` characters (whole code points) with an ellipsis. */
export function clip(text, max) {
  const chars = Array.from(String(text ?? ''));
  return chars.length > max ? `${chars.slice(0, max - 1).join('')}…` : chars.join('');
}

/** The connections of a definition as [{from, output, to, input}] (n8n's shape, main outputs only). */
export function connectionList(definition) {
  const out = [];
  const connections = definition?.connections;
  if (!connections || typeof connections !== 'object') return out;
  for (const [from, kinds] of Object.entries(connections)) {
    const main = Array.isArray(kinds?.main) ? kinds.main : [];
    main.forEach((targets, output) => {
      for (const t of Array.isArray(targets) ? targets : []) {
        if (t && typeof t.node === 'string') out.push({from, output, to: t.node, input: Number.isInteger(t.index) ? t.index : 0});
      }
    });
  }
  return out;
}

function outputLabel(type, output) {
  if (type === `${BASE}if`) return output === 0 ? 'true' : output === 1 ? 'false' : String(output);
  return String(output);
}

/**
 * workflowGraph(definition, {onSelect}) → {element, setStatuses(map name → status), select(name)}.
 * The svg has id `workflow-graph`; each node is a <g class="graph-node"> with data-node = its name.
 */
export function workflowGraph(definition, {onSelect, id = 'workflow-graph'} = {}) {
  const nodes = (Array.isArray(definition?.nodes) ? definition.nodes : []).filter(n => n && typeof n.name === 'string');
  const byName = new Map(nodes.map(n => [n.name, n]));
  const links = connectionList(definition).filter(c => byName.has(c.from) && byName.has(c.to));
  const pos = n => {
    const p = Array.isArray(n.position) ? n.position : [];
    return [Number.isFinite(p[0]) ? p[0] : 0, Number.isFinite(p[1]) ? p[1] : 0];
  };
  const outputs = new Map(), inputs = new Map();
  for (const c of links) {
    outputs.set(c.from, Math.max(outputs.get(c.from) ?? 1, c.output + 1));
    inputs.set(c.to, Math.max(inputs.get(c.to) ?? 1, c.input + 1));
  }
  for (const n of nodes) if (n.type === `${BASE}if`) outputs.set(n.name, Math.max(outputs.get(n.name) ?? 1, 2));
  const port = (count, index) => BOX_H * (index + 1) / (count + 1);

  const marker = `graph-arrow-${++serial}`;
  const svg = s('svg', {id, class: 'graph', role: 'img', 'aria-label': 'Workflow graph', preserveAspectRatio: 'xMidYMid meet'},
    s('defs', {}, s('marker', {id: marker, viewBox: '0 0 10 10', refX: 9, refY: 5, markerWidth: 7, markerHeight: 7, orient: 'auto-start-reverse'},
      s('path', {d: 'M 0 0 L 10 5 L 0 10 z', class: 'graph-arrowhead'}))));

  const edges = s('g', {class: 'graph-edges'});
  for (const c of links) {
    const [fx, fy] = pos(byName.get(c.from));
    const [tx, ty] = pos(byName.get(c.to));
    const x1 = fx + BOX_W, y1 = fy + port(outputs.get(c.from) ?? 1, c.output);
    const x2 = tx, y2 = ty + port(inputs.get(c.to) ?? 1, c.input);
    const bend = Math.max(40, Math.abs(x2 - x1) / 2);
    edges.append(s('path', {class: 'graph-edge', d: `M ${x1} ${y1} C ${x1 + bend} ${y1}, ${x2 - bend} ${y2}, ${x2 - 2} ${y2}`,
      'marker-end': `url(#${marker})`}, s('title', {}, `${c.from} → ${c.to}`)));
    if ((outputs.get(c.from) ?? 1) > 1) {
      edges.append(s('text', {class: 'graph-edge-label', x: x1 + 6, y: y1 - 5}, outputLabel(byName.get(c.from).type, c.output)));
    }
  }

  const boxes = new Map();
  const layer = s('g', {class: 'graph-nodes'});
  for (const n of nodes) {
    const [x, y] = pos(n);
    const community = isCommunity(n.type);
    const g = s('g', {class: ['graph-node', community && 'graph-node-community', n.disabled === true && 'graph-node-disabled'],
      transform: `translate(${x} ${y})`, tabindex: 0, role: 'button', 'data-node': n.name},
      s('title', {}, `${n.name}\n${n.type ?? ''}${community && n.packageVersion ? ` ${n.packageVersion}` : ''}`),
      s('rect', {class: 'graph-box', width: BOX_W, height: BOX_H, rx: 8}),
      s('rect', {class: 'graph-status', width: 6, height: BOX_H, rx: 3}),
      s('text', {class: 'graph-name', x: 16, y: 24}, clip(n.name, 20)),
      s('text', {class: 'graph-type', x: 16, y: 44}, clip(shortType(n.type), community ? 13 : 22)));
    if (community) {
      const label = clip(n.packageVersion ? `v${n.packageVersion}` : 'latest', 9);
      const w = 10 + label.length * 6.6;
      g.append(s('g', {class: 'graph-badge', transform: `translate(${BOX_W - w - 8} 32)`},
        s('rect', {width: w, height: 17, rx: 8.5}), s('text', {x: w / 2, y: 12.5, 'text-anchor': 'middle'}, label)));
    }
    if (onSelect) {
      g.addEventListener('click', () => onSelect(n.name));
      g.addEventListener('keydown', e => { if (e.key === 'Enter' || e.key === ' ') { e.preventDefault(); onSelect(n.name); } });
    }
    boxes.set(n.name, g);
    layer.append(g);
  }
  svg.append(edges, layer);

  // Pan and zoom to fit: the view box is the nodes' bounding box plus a margin.
  if (nodes.length) {
    const xs = nodes.map(n => pos(n)[0]), ys = nodes.map(n => pos(n)[1]);
    let minX = Math.min(...xs) - PAD, minY = Math.min(...ys) - PAD;
    let w = Math.max(...xs) + BOX_W + PAD - minX, h = Math.max(...ys) + BOX_H + PAD - minY;
    // A small workflow is centred at about its natural size rather than blown up to the width.
    if (w < MIN_W) { minX -= (MIN_W - w) / 2; w = MIN_W; }
    if (h < MIN_H) { minY -= (MIN_H - h) / 2; h = MIN_H; }
    svg.setAttribute('viewBox', `${minX} ${minY} ${w} ${h}`);
    svg.style.aspectRatio = `${w} / ${h}`;
  } else {
    svg.setAttribute('viewBox', '0 0 400 100');
    svg.append(s('text', {class: 'graph-type', x: 200, y: 55, 'text-anchor': 'middle'}, 'This workflow has no nodes.'));
  }

  return {
    element: svg,
    /** Colours the boxes: {name: 'success' | 'error' | 'skipped' | 'disabled'}; nodes not named lose their colour. */
    setStatuses(statuses) {
      for (const [name, g] of boxes) {
        for (const c of Array.from(g.classList)) if (c.startsWith('status-')) g.classList.remove(c);
        const status = statuses?.[name];
        if (typeof status === 'string' && /^[a-z]+$/.test(status)) g.classList.add(`status-${status}`);
        g.dataset.status = typeof status === 'string' ? status : '';
      }
    },
    select(name) {
      for (const [n, g] of boxes) {
        g.classList.toggle('selected', n === name);
        g.setAttribute('aria-pressed', String(n === name));
      }
    },
  };
}
