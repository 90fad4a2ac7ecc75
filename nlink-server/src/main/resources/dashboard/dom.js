// DOM helpers. Everything on screen is built with createElement and textContent: names,
// definitions, outputs and logs come from strangers' uploads and are never parsed as HTML.

const PROPERTIES = new Set(['value', 'checked', 'disabled', 'selected', 'multiple', 'required', 'readOnly']);

/**
 * h('a', {href: '#/store', class: 'x', onclick: fn}, 'text', child, [more]) → an element.
 * Attributes named on* with a function become listeners; value/checked/... are set as properties
 * (after the children, so a select's value can name one of its options); style takes an object.
 */
export function h(tag, attrs, ...children) {
  const el = document.createElement(tag);
  const later = [];
  for (const [k, v] of Object.entries(attrs ?? {})) {
    if (v === undefined || v === null || v === false) continue;
    if (k === 'class') el.className = Array.isArray(v) ? v.filter(Boolean).join(' ') : v;
    else if (k === 'style' && typeof v === 'object') Object.assign(el.style, v);
    else if (k === 'dataset') Object.assign(el.dataset, v);
    else if (k.startsWith('on') && typeof v === 'function') el.addEventListener(k.slice(2), v);
    else if (PROPERTIES.has(k)) later.push([k, v]);
    else el.setAttribute(k, v === true ? '' : String(v));
  }
  append(el, children);
  for (const [k, v] of later) el[k] = v;
  return el;
}

export function append(parent, children) {
  for (const c of children.flat(Infinity)) {
    if (c === null || c === undefined || c === false) continue;
    parent.append(c instanceof Node ? c : document.createTextNode(String(c)));
  }
  return parent;
}

export function clear(el) {
  el.replaceChildren();
  return el;
}

/** An error banner: the server's message and, when it sent them, its problems. */
export function errorBanner(err, title) {
  const problems = Array.isArray(err?.problems) ? err.problems : [];
  const message = err?.message ?? String(err);
  const banner = h('div', {class: 'banner banner-error', role: 'alert'},
    h('div', {class: 'banner-title'}, title ?? message),
    title ? h('div', {class: 'banner-message'}, message) : null);
  if (problems.length) {
    const structured = problems.filter(p => p && typeof p === 'object');
    const plain = problems.filter(p => !(p && typeof p === 'object'));
    if (structured.length) {
      banner.append(h('table', {class: 'table problems'},
        h('thead', {}, h('tr', {}, h('th', {}, 'File'), h('th', {}, 'Field'), h('th', {}, 'Problem'))),
        h('tbody', {}, structured.map(p => h('tr', {},
          h('td', {}, h('code', {}, p.file ?? '—')),
          h('td', {}, p.field ? h('code', {}, p.field) : '—'),
          h('td', {}, p.message ?? JSON.stringify(p)))))));
    }
    if (plain.length) banner.append(h('ul', {class: 'problems-list'}, plain.map(p => h('li', {}, String(p)))));
  }
  return banner;
}

export function notice(text, kind = 'info') {
  return h('div', {class: `banner banner-${kind}`, role: kind === 'error' ? 'alert' : 'status'}, text);
}

/** Replaces what `slot` shows with `content` (or nothing). */
export function show(slot, ...content) {
  slot.replaceChildren();
  append(slot, content);
}

/** A labelled figure for a row of them (`.run-summary`): label above, value below. */
export function stat(label, value, cls) {
  return h('div', {class: ['stat', cls]}, h('div', {class: 'stat-label'}, label), h('div', {class: 'stat-value'}, value));
}

export function formatBytes(n) {
  if (typeof n !== 'number' || !Number.isFinite(n)) return '—';
  if (n < 1024) return `${n} B`;
  const units = ['KiB', 'MiB', 'GiB'];
  let v = n / 1024, i = 0;
  while (v >= 1024 && i < units.length - 1) { v /= 1024; i++; }
  return `${v.toFixed(v < 10 ? 2 : 1)} ${units[i]}`;
}

export function formatNumber(n, digits = 0) {
  if (typeof n !== 'number' || !Number.isFinite(n)) return '—';
  return n.toLocaleString('en-US', {maximumFractionDigits: digits, minimumFractionDigits: 0});
}

export function formatMiB(bytes) {
  if (typeof bytes !== 'number' || !Number.isFinite(bytes)) return '—';
  return `${(bytes / 1048576).toFixed(bytes < 10 * 1048576 ? 2 : 1)} MiB`;
}

/** "2026-11-25 14:31 UTC" from an ISO timestamp (or the text as given when it is not one). */
export function formatTime(iso) {
  if (!iso) return '—';
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return String(iso);
  return d.toISOString().replace('T', ' ').replace(/:\d\d(\.\d+)?Z$/, ' UTC');
}

/** Parses a Content-Disposition header's filename (plain or RFC 5987 filename*). */
export function dispositionFilename(header, fallback) {
  if (!header) return fallback;
  const star = /filename\*\s*=\s*(?:UTF-8|utf-8)''([^;]+)/.exec(header);
  if (star) {
    try { return sanitizeFilename(decodeURIComponent(star[1].trim())) || fallback; } catch { /* fall through */ }
  }
  const quoted = /filename\s*=\s*"((?:[^"\\]|\\.)*)"/.exec(header);
  if (quoted) return sanitizeFilename(quoted[1].replace(/\\(.)/g, '$1')) || fallback;
  const bare = /filename\s*=\s*([^;]+)/.exec(header);
  if (bare) return sanitizeFilename(bare[1].trim()) || fallback;
  return fallback;
}

function sanitizeFilename(name) {
  return name.replace(/[\\/\u0000-\u001f]/g, '_').replace(/^\.+/, '');
}

/** A copy-to-clipboard button for `text`. */
export function copyButton(getText, label = 'Copy') {
  const button = h('button', {type: 'button', class: 'btn btn-small'}, label);
  button.addEventListener('click', async () => {
    const text = typeof getText === 'function' ? getText() : getText;
    try {
      await navigator.clipboard.writeText(text);
      button.textContent = 'Copied';
    } catch {
      button.textContent = 'Select and copy';
    }
    setTimeout(() => { button.textContent = label; }, 2000);
  });
  return button;
}
