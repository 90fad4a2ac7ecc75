// Executions: the list (all, or one workflow's) and one execution's page: its status, the graph
// coloured by node status, and per node what went in and came out.
import {api, enc} from './api.js';
import {h, errorBanner, show, formatNumber, formatTime, stat} from './dom.js';
import {itemsTable, tabs} from './items.js';
import {workflowGraph, shortType} from './graph.js';
import {follow} from './live.js';

export const executionHash = id => `#/executions/${enc(id)}`;
export const workflowHash = id => `#/workflows/${enc(id)}`;

export function statusBadge(status, id) {
  const kind = status === 'success' ? 'ok' : status === 'error' ? 'error' : status === 'skipped' || status === 'disabled' ? null : 'warn';
  return h('span', {class: ['badge', kind && `badge-${kind}`], id}, status ?? '—');
}

export function formatMillis(ms) {
  if (typeof ms !== 'number' || !Number.isFinite(ms)) return '—';
  if (ms < 1000) return `${formatNumber(ms, ms < 10 ? 2 : 1)} ms`;
  return `${formatNumber(ms / 1000, 2)} s`;
}

/** The executions table; `withWorkflow` adds the workflow column (a workflow's own page leaves it out). */
export function executionsTable(executions, withWorkflow, id = 'executions-table') {
  if (!executions.length) return h('div', {class: 'empty'}, h('p', {class: 'muted'}, 'No executions yet.'));
  return h('table', {class: 'table', id},
    h('thead', {}, h('tr', {}, ['Execution', withWorkflow ? 'Workflow' : null, 'Mode', 'Status', 'Started', 'Duration', 'Error node']
      .filter(Boolean).map(t => h('th', {}, t)))),
    h('tbody', {}, executions.map(e => h('tr', {dataset: {execution: e.id}},
      h('td', {}, h('a', {href: executionHash(e.id), class: 'strong'}, `#${e.id}`)),
      withWorkflow ? h('td', {}, h('a', {href: workflowHash(e.workflowId)}, e.workflowName ?? `#${e.workflowId}`)) : null,
      h('td', {}, e.mode ?? '—'),
      h('td', {}, statusBadge(e.status)),
      h('td', {}, formatTime(e.startedAt)),
      h('td', {}, formatMillis(e.millis)),
      h('td', {}, e.errorNode ? h('span', {class: 'error-text', title: e.error ?? ''}, e.errorNode) : h('span', {class: 'muted'}, '—'))))));
}

/** Executions per page of the list, unless the address asks for another size (?limit=, at most 200). */
const PAGE = 50;
/** How often the list asks again while it shows a run under way. */
const REFRESH_MILLIS = 2000;

export async function executionsPage(main, ctx) {
  document.title = 'Executions · nLink';
  const listSlot = h('div', {}, h('p', {class: 'muted panel-body'}, 'Loading…'));
  const foot = h('div', {class: 'list-foot'});
  const q = ctx.query;
  const select = (id, label, options, value) => h('label', {}, label, h('select', {id, value: value ?? ''},
    options.map(([v, text]) => h('option', {value: v}, text))));
  const workflowFilter = select('filter-workflow', 'Workflow', [['', 'All workflows']], q.get('workflowId'));
  const statusFilter = select('filter-status', 'Status', [['', 'Any status'], ...['running', 'queued', 'success', 'error', 'canceled', 'crashed'].map(v => [v, v])], q.get('status'));
  const modeFilter = select('filter-mode', 'Mode', [['', 'Any mode'], ...['manual', 'webhook', 'schedule', 'retry', 'error'].map(v => [v, v])], q.get('mode'));
  const fromFilter = h('label', {}, 'Started from', h('input', {type: 'date', id: 'filter-from', value: q.get('from') ?? ''}));
  const toFilter = h('label', {}, 'to (inclusive)', h('input', {type: 'date', id: 'filter-to', value: q.get('to') ?? ''}));
  const live = h('label', {class: 'inline-label'}, h('input', {type: 'checkbox', id: 'filter-live', checked: true}), ' Live');
  const filters = h('form', {class: 'filters', id: 'executions-filters', role: 'search'},
    workflowFilter, statusFilter, modeFilter, fromFilter, toFilter, live);
  main.append(h('div', {class: 'page'},
    h('div', {class: 'page-head'}, h('div', {}, h('h1', {}, 'Executions'),
      h('p', {class: 'muted'}, 'Every run of every workflow — by hand, by webhook, on schedule or retried — newest first. Old ones are pruned by the server\'s policy.'))),
    h('section', {class: 'panel'}, h('div', {class: 'panel-head'}, h('h2', {}, 'Executions')), filters, listSlot, foot)));

  // The filters live in the address, so a filtered list can be bookmarked and survives reload.
  const value = label => label.querySelector('select, input').value;
  const params = () => {
    const p = new URLSearchParams();
    if (value(workflowFilter)) p.set('workflowId', value(workflowFilter));
    if (value(statusFilter)) p.set('status', value(statusFilter));
    if (value(modeFilter)) p.set('mode', value(modeFilter));
    if (value(fromFilter)) p.set('from', value(fromFilter));
    if (value(toFilter)) p.set('to', value(toFilter));
    if (pageSize !== PAGE) p.set('limit', String(pageSize));
    return p;
  };
  const askedSize = Number.parseInt(q.get('limit') ?? '', 10);
  const pageSize = Number.isInteger(askedSize) && askedSize > 0 ? Math.min(askedSize, 200) : PAGE;
  const apiQuery = (before, limit = pageSize) => {
    const p = params();
    // Dates are the viewer's days: from its first moment to the next day's first moment.
    if (p.has('from')) p.set('from', new Date(`${p.get('from')}T00:00:00`).toISOString());
    if (p.has('to')) { const end = new Date(`${p.get('to')}T00:00:00`); end.setDate(end.getDate() + 1); p.set('to', end.toISOString()); }
    p.set('limit', String(limit));
    if (before) p.set('before', String(before));
    return `/api/executions?${p}`;
  };

  let rows = [];
  let cursor = null;
  let timer = null;
  // Each change of filters loads anew; an answer to an older question must not paint over it.
  let asked = 0;
  const draw = () => {
    show(listSlot, h('div', {class: 'table-scroll'}, executionsTable(rows, true)));
    const more = h('button', {type: 'button', class: 'btn', id: 'executions-more', disabled: cursor === null}, cursor === null ? 'No more' : 'Load more');
    more.addEventListener('click', loadMore);
    show(foot, more, h('span', {class: 'muted small', id: 'executions-count'}, `${rows.length} shown`));
  };
  const schedule = () => {
    clearTimeout(timer);
    if (ctx.alive() && live.querySelector('input').checked) timer = setTimeout(refresh, REFRESH_MILLIS);
  };
  async function load() {
    const mine = ++asked;
    try {
      const data = await api('GET', apiQuery(null));
      if (!ctx.alive() || mine !== asked) return;
      rows = Array.isArray(data?.executions) ? data.executions : [];
      cursor = data?.nextCursor ?? null;
      draw();
    } catch (e) {
      if (ctx.alive()) show(listSlot, h('div', {class: 'panel-body'}, errorBanner(e, 'Could not list the executions')));
    }
    schedule();
  }
  async function loadMore() {
    if (cursor === null) return;
    const mine = asked;
    try {
      const data = await api('GET', apiQuery(cursor));
      if (!ctx.alive() || mine !== asked) return;
      const seen = new Set(rows.map(r => r.id));
      rows = rows.concat((Array.isArray(data?.executions) ? data.executions : []).filter(r => !seen.has(r.id)));
      cursor = data?.nextCursor ?? null;
      draw();
    } catch (e) {
      if (ctx.alive()) show(foot, errorBanner(e, 'Could not load more'));
    }
  }
  // Live: the newest page again, merged in: new runs appear on top and running ones change as they end.
  async function refresh() {
    if (!ctx.alive()) return;
    const mine = asked;
    try {
      const data = await api('GET', apiQuery(null));
      if (!ctx.alive() || mine !== asked) return;
      const fresh = Array.isArray(data?.executions) ? data.executions : [];
      const byId = new Map(fresh.map(r => [r.id, r]));
      const newest = rows.length ? rows[0].id : -1;
      const changed = fresh.some(r => r.id > newest) || rows.some(r => byId.has(r.id) && byId.get(r.id).status !== r.status);
      if (changed) {
        rows = fresh.filter(r => r.id > newest).concat(rows.map(r => byId.get(r.id) ?? r));
        draw();
      }
    } catch { /* the next round tries again */ }
    schedule();
  }
  const apply = () => {
    history.replaceState(null, '', `#/executions${params().toString() ? `?${params()}` : ''}`);
    load();
  };
  filters.addEventListener('change', event => {
    if (event.target.id === 'filter-live') return schedule();
    apply();
  });
  filters.addEventListener('submit', event => { event.preventDefault(); apply(); });

  try {
    const data = await api('GET', '/api/workflows');
    if (!ctx.alive()) return;
    const chosen = q.get('workflowId');
    for (const w of Array.isArray(data?.workflows) ? data.workflows : []) {
      workflowFilter.querySelector('select').append(h('option', {value: String(w.id), selected: String(w.id) === chosen}, w.name || `#${w.id}`));
    }
  } catch { /* the list still loads; the workflow filter offers all only */ }
  load();
}

/** The banner saying how a run ended: status, time, and the error with the node that failed. */
export function statusBanner(exec) {
  const ok = exec.status === 'success';
  const running = exec.status === 'running' || exec.status === 'queued';
  const title = ok ? `Ran in ${formatMillis(exec.millis)}`
    : exec.status === 'queued' ? `Accepted ${formatTime(exec.startedAt)}; waiting for a free execution slot`
    : running ? `Running since ${formatTime(exec.startedAt)}`
    : exec.status === 'crashed' ? 'Cut off before it finished; its input is kept below'
    : exec.status === 'canceled' ? `Stopped after ${formatMillis(exec.millis)}`
    : `Failed after ${formatMillis(exec.millis)}`;
  const kind = ok || running ? 'banner-ok' : exec.status === 'canceled' ? 'banner-warn' : 'banner-error';
  return h('div', {class: ['banner', kind, 'execution-banner'], role: ok || running ? 'status' : 'alert'},
    h('div', {class: 'banner-title'}, statusBadge(exec.status, 'execution-status'), ' ', title,
      exec.errorNode ? [' at node ', h('strong', {id: 'execution-error-node'}, exec.errorNode)] : null),
    exec.error ? h('div', {class: 'banner-message', id: 'execution-error'}, exec.error) : null);
}

/** name → status of an execution's nodes, for the graph. */
export const nodeStatuses = exec => Object.fromEntries((Array.isArray(exec?.nodes) ? exec.nodes : []).map(n => [n.name, n.status]));

/** name → {status, items} of an execution's nodes, for the canvas: items is the node's output count. */
export const nodeStates = exec => Object.fromEntries((Array.isArray(exec?.nodes) ? exec.nodes : []).map(n => [n.name,
  {status: n.status, items: Array.isArray(n.itemsOut) ? n.itemsOut.reduce((a, c) => a + (Number.isInteger(c) ? c : 0), 0) : null}]));

export async function executionPage(main, ctx, id) {
  document.title = `Execution ${id} · nLink`;
  const page = h('div', {class: 'page'}, h('p', {class: 'muted'}, 'Loading…'));
  main.append(page);
  let exec;
  try {
    exec = await api('GET', `/api/executions/${enc(id)}`);
  } catch (e) {
    if (ctx.alive()) {
      show(page, h('div', {class: 'breadcrumbs'}, h('a', {href: '#/executions'}, 'Executions'), ' / ', `#${id}`),
        errorBanner(e, e.status === 404 ? 'Not found' : null));
    }
    return;
  }
  if (!ctx.alive()) return;
  renderExecution(page, exec, ctx.query.get('node'), ctx);
}

function renderExecution(page, exec, wanted, ctx) {
  const nodes = Array.isArray(exec.nodes) ? exec.nodes : [];
  const byName = new Map(nodes.map(n => [n.name, n]));
  document.title = `${exec.workflow ?? 'Execution'} #${exec.id} · nLink`;
  const detail = h('section', {class: 'panel', id: 'node-detail'});
  let graph = null;

  const list = h('table', {class: 'table node-list', id: 'execution-nodes'},
    h('thead', {}, h('tr', {}, ['Node', 'In', 'Out', 'Time'].map(t => h('th', {}, t)))),
    h('tbody', {}, nodes.map(n => h('tr', {dataset: {node: n.name, status: n.status ?? ''}},
      h('td', {}, h('button', {type: 'button', class: 'link-button', onclick: () => select(n.name)}, n.name),
        h('div', {class: 'muted small'}, h('span', {class: ['legend', /^[a-z]+$/.test(n.status ?? '') && `legend-${n.status}`]}, n.status ?? '—'),
          ` · ${shortType(n.type)}`)),
      h('td', {}, counts(n.itemsIn)),
      h('td', {}, counts(n.itemsOut)),
      h('td', {}, formatMillis(n.millis))))));

  function select(name) {
    const n = byName.get(name);
    graph?.select(n ? name : null);
    for (const tr of list.querySelectorAll('tbody tr')) tr.classList.toggle('selected', tr.dataset.node === name);
    if (!n) {
      show(detail, h('div', {class: 'panel-body muted'}, name ? `Node "${name}" did not run in this execution.` : 'Select a node.'));
      return;
    }
    const params = new URLSearchParams({node: name});
    history.replaceState(null, '', `${executionHash(exec.id)}?${params}`);
    show(detail, ...nodeDetail(n));
  }

  let graphPanel;
  // The record keeps the definition that ran, so later edits to the workflow cannot skew the drawing.
  if (exec.definition?.nodes) {
    graph = workflowGraph(exec.definition, {onSelect: select});
    graph.setStatuses(nodeStatuses(exec));
    graphPanel = h('section', {class: 'panel'},
      h('div', {class: 'panel-head'}, h('h2', {}, 'Graph'),
        h('span', {class: 'muted small'}, 'Select a node to see what went in and came out. Drawn as the workflow was when it ran.')),
      h('div', {class: 'graph-wrap'}, graph.element), graphLegend());
  } else {
    graphPanel = h('section', {class: 'panel'}, h('div', {class: 'panel-body muted'},
      'This execution has no graph; the nodes that ran are listed below.'));
  }

  const wf = h('a', {href: workflowHash(exec.workflowId)}, exec.workflow ?? `#${exec.workflowId}`);
  const actionErrors = h('div', {id: 'execution-action-errors'});
  const underWay = exec.status === 'running' || exec.status === 'queued';
  const actions = h('div', {class: 'head-actions'});
  if (underWay) {
    const stop = h('button', {type: 'button', class: 'btn btn-danger', id: 'execution-stop'}, 'Stop');
    stop.addEventListener('click', async () => {
      stop.disabled = true;
      stop.textContent = 'Stopping…';
      try {
        await api('POST', `/api/executions/${enc(exec.id)}/stop`);
      } catch (e) {
        show(actionErrors, errorBanner(e, 'Could not stop the execution'));
        stop.disabled = false;
        stop.textContent = 'Stop';
      }
    });
    actions.append(stop);
  } else if (['error', 'crashed', 'canceled'].includes(exec.status)) {
    const retry = h('button', {type: 'button', class: 'btn btn-primary', id: 'execution-retry',
      title: 'Run the workflow as it is saved now, from the same trigger with the same input, as a new execution'}, 'Retry');
    retry.addEventListener('click', async () => {
      retry.disabled = true;
      try {
        const started = await api('POST', `/api/executions/${enc(exec.id)}/retry`);
        location.hash = executionHash(started.id);
      } catch (e) {
        show(actionErrors, errorBanner(e, 'Could not retry the execution'));
        retry.disabled = false;
      }
    });
    actions.append(retry);
  }
  show(page,
    h('div', {class: 'breadcrumbs'}, h('a', {href: '#/executions'}, 'Executions'), ' / ', `#${exec.id}`),
    h('div', {class: 'page-head'}, h('div', {},
      h('h1', {}, `Execution #${exec.id}`),
      h('p', {class: 'muted'}, 'Workflow ', wf, ` · ${exec.mode ?? '—'} · started ${formatTime(exec.startedAt)}`,
        Number.isInteger(exec.retryOf) ? [' · retry of ', h('a', {href: executionHash(exec.retryOf), id: 'execution-retry-of'}, `#${exec.retryOf}`)] : '',
        exec.status === 'success' && typeof exec.outputItems === 'number'
          ? ` · ${formatNumber(exec.outputItems)} output item${exec.outputItems === 1 ? '' : 's'}` : '')), actions),
    actionErrors,
    statusBanner(exec),
    inputPanel(exec),
    graphPanel,
    h('div', {class: 'execution-columns'},
      h('section', {class: 'panel'}, h('div', {class: 'panel-head'}, h('h2', {}, 'Nodes'),
        h('span', {class: 'muted small'}, 'in run order')), list),
      detail));
  select(wanted && byName.has(wanted) ? wanted : exec.errorNode ?? exec.lastNode ?? nodes[0]?.name ?? null);

  // Under way: the graph follows the run as the server reports it; the page is drawn again when it ends.
  if (underWay && ctx) {
    const states = {};
    const stream = follow(exec.id, (type, data) => {
      if (!ctx.alive()) { stream.close(); return; }
      if (typeof data?.node !== 'string') return;
      states[data.node] = type === 'node-started' ? 'running' : data.status;
      graph?.setStatuses(states);
    });
    stream.done.then(ended => {
      if (ctx.alive()) renderExecution(page, ended, wanted, ctx);
    }, () => { /* gone (pruned, or signed out): the page stays as it was */ });
  }
}

/** What started a run that has no node records (running, or cut off): its trigger's input items. */
function inputPanel(exec) {
  if (!Array.isArray(exec.input) || (Array.isArray(exec.nodes) && exec.nodes.length)) return null;
  const total = typeof exec.inputItems === 'number' ? exec.inputItems : exec.input.length;
  return h('section', {class: 'panel', id: 'execution-input'},
    h('div', {class: 'panel-head'}, h('h2', {}, 'Input'),
      h('span', {class: 'muted small'}, total > exec.input.length
        ? `the first ${exec.input.length} of ${formatNumber(total)} items` : `${formatNumber(total)} item${total === 1 ? '' : 's'}`)),
    h('pre', {class: 'code-block', id: 'execution-input-json'}, JSON.stringify(exec.input, null, 2)));
}

function counts(list) {
  return Array.isArray(list) && list.length ? list.map(n => formatNumber(n)).join(' · ') : '—';
}

function graphLegend() {
  return h('div', {class: 'graph-legend'}, ['success', 'error', 'skipped', 'disabled', 'pinned', 'canceled'].map(s =>
    h('span', {class: `legend legend-${s}`}, s)));
}

function runtimeNote(r) {
  return r === 'wasm' ? 'The community node\'s execution.wasm, in the WebAssembly sandbox'
    : r === 'js' ? 'JavaScript in the GraalJS sandbox (execution.js, or the Code node)'
    : r === 'builtin' ? 'A built-in node, run on the host' : '';
}

/** One node's section: facts, error, item errors, logs, and each output's sample as a table and JSON. */
function nodeDetail(n) {
  const itemsIn = Array.isArray(n.itemsIn) ? n.itemsIn : [];
  const itemsOut = Array.isArray(n.itemsOut) ? n.itemsOut : [];
  const sample = Array.isArray(n.sample) ? n.sample : [];
  const itemErrors = Array.isArray(n.itemErrors) ? n.itemErrors : [];
  const outputNames = n.type === 'n8n-nodes-base.if' ? ['true', 'false'] : [];

  const facts = h('div', {class: 'run-summary node-summary', id: 'node-facts'},
    stat('Status', statusBadge(n.status, 'node-status')),
    stat('Runtime', h('span', {id: 'node-runtime', title: runtimeNote(n.runtime)}, n.runtime ?? '—')),
    stat('Items in', h('span', {id: 'node-items-in'}, `[${itemsIn.join(', ')}]`)),
    stat('Items out', h('span', {id: 'node-items-out'}, `[${itemsOut.join(', ')}]`)),
    stat('Time', h('span', {id: 'node-time'}, formatMillis(n.millis))),
    stat('Tries', h('span', {id: 'node-tries'}, n.tries == null ? '—' : String(n.tries))));

  const outputs = sample.map((items, o) => {
    const list = Array.isArray(items) ? items : [];
    const total = itemsOut[o];
    const table = itemsTable(list.map((json, i) => ({index: i, items: [json]})),
      {id: o === 0 ? 'node-output-table' : `node-output-table-${o}`, indexLabel: 'item #'});
    if (!list.length) table.replaceChildren(h('p', {class: 'muted panel-body'}, 'No items on this output.'));
    const json = h('pre', {class: 'code-block node-output-json', id: o === 0 ? 'node-output-json' : `node-output-json-${o}`}, JSON.stringify(list, null, 2));
    return h('div', {class: 'node-output'},
      h('h3', {}, sample.length > 1 ? `Output ${o}${outputNames[o] ? ` (${outputNames[o]})` : ''}` : 'Output',
        h('span', {class: 'muted small'}, typeof total === 'number' && total > list.length
          ? ` — the first ${list.length} of ${formatNumber(total)} items`
          : ` — ${formatNumber(list.length)} item${list.length === 1 ? '' : 's'}`)),
      tabs(o === 0 ? 'node-output' : `node-output-${o}`, [{key: 'table', label: 'Table', content: table}, {key: 'json', label: 'JSON', content: json}]));
  });

  return [
    h('div', {class: 'panel-head'}, h('h2', {id: 'node-name'}, n.name), h('code', {class: 'small', id: 'node-type'}, n.type ?? '—')),
    h('div', {class: 'panel-body'},
      facts,
      n.error ? h('div', {class: 'banner banner-error', id: 'node-error'}, h('div', {class: 'banner-title'}, 'Error'),
        h('div', {class: 'banner-message'}, n.error)) : null,
      itemErrors.length ? [h('h3', {}, `Items that failed and continued (${itemErrors.length})`),
        h('table', {class: 'table', id: 'node-item-errors'},
          h('thead', {}, h('tr', {}, h('th', {}, 'item #'), h('th', {}, 'error'))),
          h('tbody', {}, itemErrors.map(e => h('tr', {class: 'error-row'}, h('td', {class: 'index'}, String(e?.index ?? '?')), h('td', {}, e?.message ?? '')))))] : null,
      n.logs ? [h('h3', {}, 'Logs'), h('pre', {class: 'code-block', id: 'node-logs'}, n.logs)] : null,
      outputs.length ? outputs : h('p', {class: 'muted'}, n.status === 'skipped' ? 'Skipped: no items reached this node.' : 'No output.')),
  ];
}
