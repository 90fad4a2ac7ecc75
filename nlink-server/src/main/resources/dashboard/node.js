// A node version: its facts, the capability sheet, the package download and the test-run panel.
import {api, nodePath} from './api.js';
import {h, errorBanner, notice, show, formatBytes, formatNumber, formatMiB, formatTime, append, stat} from './dom.js';
import {go} from './app.js';
import {readItems, itemsTable, tabs} from './items.js';
import {canManage, nodeHash} from './store.js';

const PAGE_BYTES = 65536;

export async function nodePage(main, ctx, name, version) {
  document.title = `${name} · nLink`;
  const page = h('div', {class: 'page'}, h('p', {class: 'muted'}, 'Loading…'));
  main.append(page);

  let node, listing;
  try {
    [listing, node] = await Promise.all([
      api('GET', '/api/nodes'),
      version ? api('GET', nodePath(name, version)) : Promise.resolve(null),
    ]);
    if (!ctx.alive()) return;
    const entry = (listing?.nodes ?? []).find(n => n.name === name);
    if (!version) {
      if (entry) return go(nodeHash(name, entry.latestVersion));
      throw Object.assign(new Error(`No node named ${name} is installed.`), {problems: []});
    }
    render(page, node, entry);
  } catch (e) {
    if (!ctx.alive()) return;
    show(page, h('div', {class: 'breadcrumbs'}, h('a', {href: '#/store'}, 'Community Store'), ' / ', name),
      errorBanner(e, e.status === 404 ? 'Not found' : null));
  }
}

function render(page, node, entry) {
  const d = node.details ?? {};
  const def = d.definition ?? {};
  document.title = `${node.displayName || node.name} ${node.version} · nLink`;
  const versions = Array.isArray(entry?.versions) && entry.versions.length ? entry.versions : [node.version];

  const select = h('select', {id: 'version-select', 'aria-label': 'Version'},
    versions.map(v => h('option', {value: v}, v === entry?.latestVersion ? `${v} (latest)` : v)));
  select.value = node.version;
  select.addEventListener('change', () => go(nodeHash(node.name, select.value)));

  const actions = h('div', {class: 'head-actions'},
    h('label', {class: 'inline-label'}, 'Version ', select),
    h('a', {class: 'btn', id: 'download-package', href: `${nodePath(node.name, node.version)}/package`, download: `${node.name}-${node.version}.zip`}, 'Download package'),
    canManage() ? removeButton(node, versions) : null);

  show(page,
    h('div', {class: 'breadcrumbs'}, h('a', {href: '#/store'}, 'Community Store'), ' / ', node.displayName || node.name),
    h('div', {class: 'page-head'},
      h('div', {},
        h('h1', {id: 'node-title'}, node.displayName || node.name),
        h('p', {class: 'muted'}, h('code', {}, node.name), ' · version ', h('strong', {id: 'node-version'}, node.version),
          d.author ? ` · by ${d.author}` : '', d.license ? ` · ${d.license}` : ''),
        node.description ? h('p', {class: 'lead'}, node.description) : null),
      actions),
    factsPanel(node, d),
    capabilityPanel(d),
    runPanel(node, def, d));
}

function removeButton(node, versions) {
  const dialog = h('dialog', {class: 'dialog', id: 'remove-dialog'});
  const button = h('button', {type: 'button', class: 'btn btn-danger', id: 'remove-node'}, 'Remove');
  button.addEventListener('click', () => {
    const errors = h('div', {});
    const confirmButton = h('button', {type: 'button', class: 'btn btn-danger', id: 'remove-confirm'}, `Remove ${node.version}`);
    const cancel = h('button', {type: 'button', class: 'btn'}, 'Cancel');
    cancel.addEventListener('click', () => dialog.close());
    confirmButton.addEventListener('click', async () => {
      confirmButton.disabled = true;
      try {
        await api('DELETE', nodePath(node.name, node.version));
        dialog.close();
        const rest = versions.filter(v => v !== node.version);
        go(rest.length ? nodeHash(node.name, rest[0]) : '#/store');
      } catch (e) {
        show(errors, errorBanner(e, 'Could not remove'));
        confirmButton.disabled = false;
      }
    });
    show(dialog,
      h('h2', {}, `Remove ${node.displayName || node.name} ${node.version}?`),
      h('p', {}, 'Workflows that use this version can no longer run it. Other versions stay installed. This cannot be undone.'),
      errors,
      h('div', {class: 'dialog-actions'}, cancel, confirmButton));
    dialog.showModal();
  });
  return [button, dialog];
}

function fact(label, ...value) {
  return [h('dt', {}, label), h('dd', {}, ...value)];
}

function hash(value) {
  return value ? h('code', {class: 'hash', title: value}, value) : h('span', {class: 'muted'}, '—');
}

function pages(n) {
  if (typeof n !== 'number') return '—';
  return `${n} pages (${formatBytes(n * PAGE_BYTES)})`;
}

function factsPanel(node, d) {
  const mem = d.memory ?? {};
  const gv = d.goldenVectors;
  const runtimes = Array.isArray(d.runtimes) ? d.runtimes : [];
  const runtime = h('span', {},
    h('span', {class: `badge badge-${d.runtime === 'wasm' ? 'ok' : 'warn'}`, id: 'node-runtime'}, runtimeName(d.runtime)),
    runtimes.length > 1 ? h('span', {class: 'muted'}, ` (package has ${runtimes.map(runtimeName).join(' and ')})`) : null);
  const gvText = !gv ? h('span', {class: 'muted'}, '—')
    : gv.count === 0 ? h('span', {class: 'muted'}, 'none in the package')
    : h('span', {class: `badge badge-${gv.passed === gv.count ? 'ok' : 'error'}`}, `${gv.passed} of ${gv.count} passed`,
        gv.runtime ? ` (${runtimeName(gv.runtime)})` : '');
  return h('section', {class: 'panel'},
    h('div', {class: 'panel-head'}, h('h2', {}, 'Facts')),
    h('dl', {class: 'facts', id: 'node-facts'},
      fact('Package SHA-256', hash(node.sha256)),
      fact('Module SHA-256', hash(d.wasmSha256)),
      fact('Sizes', `ZIP ${formatBytes(node.zipBytes)}`,
        d.wasmBytes > 0 ? ` · execution.wasm ${formatBytes(d.wasmBytes)}` : '',
        d.jsBytes > 0 ? ` · execution.js ${formatBytes(d.jsBytes)}` : ''),
      fact('Installed', formatTime(node.installedAt), node.installedBy ? ` by ${node.installedBy}` : ''),
      fact('Runs on', runtime),
      d.fallbackReason ? fact('Fallback reason', h('span', {class: 'warn-text'}, d.fallbackReason)) : null,
      fact('Memory', `initial ${pages(mem.initialPages)}`, h('br'),
        `maximum ${mem.maximumPages == null ? 'not declared' : pages(mem.maximumPages)}`, h('br'),
        `sandbox cap ${pages(mem.capPages)}`),
      fact('Golden vectors', gvText),
      d.initialize != null ? fact('Reactor _initialize', d.initialize ? 'exported (called once per instance)' : 'not exported') : null));
}

function runtimeName(r) {
  return r === 'wasm' ? 'WebAssembly' : r === 'js' ? 'JavaScript (execution.js)' : (r ?? '—');
}

function capabilityPanel(d) {
  const caps = Array.isArray(d.capabilities) ? d.capabilities : [];
  const imports = Array.isArray(d.imports) ? d.imports : [];
  return h('section', {class: 'panel'},
    h('div', {class: 'panel-head'}, h('h2', {}, 'Capability sheet'),
      h('span', {class: 'muted small'}, 'What the module imports, and what the sandbox gives it')),
    caps.length
      ? h('table', {class: 'table capabilities', id: 'capability-sheet'},
          h('thead', {}, h('tr', {}, h('th', {}, 'Asks for'), h('th', {}, 'The sandbox grants'), h('th', {}, 'Imports'))),
          h('tbody', {}, caps.map(c => h('tr', {},
            h('td', {}, h('strong', {}, c.label ?? c.id ?? ''), c.id && c.label ? h('div', {class: 'muted small'}, c.id) : null),
            h('td', {}, grantCell(c.granted)),
            h('td', {}, (Array.isArray(c.imports) ? c.imports : []).map(importCode))))))
      : h('div', {class: 'panel-body muted'}, imports.length ? 'No capability summary.' : 'The module imports nothing: pure computation.'),
    imports.length ? h('details', {class: 'panel-body'}, h('summary', {}, `All ${imports.length} imports`),
      h('div', {class: 'imports'}, imports.map(importCode))) : null);
}

/** "module.name" as code that may wrap only after the dot. */
function importCode(i) {
  const text = typeof i === 'string' ? i : JSON.stringify(i);
  const dot = text.indexOf('.');
  return h('code', {class: 'import', title: text},
    dot > 0 ? [h('span', {class: 'import-module'}, text.slice(0, dot + 1)), h('wbr'), text.slice(dot + 1)] : text);
}

function grantCell(granted) {
  if (granted === true) return h('span', {class: 'badge badge-ok'}, 'granted');
  if (granted === false) return h('span', {class: 'badge badge-error'}, 'denied');
  if (granted == null) return h('span', {class: 'muted'}, '—');
  return String(granted);
}

// ---- Test run ------------------------------------------------------------------------------------

function paramInput(p) {
  const id = `param-${p.name}`;
  const type = p.type ?? 'string';
  const def = p.default;
  let input;
  if (type === 'boolean') {
    input = h('input', {type: 'checkbox', id, checked: def === true});
  } else if (type === 'number') {
    input = h('input', {type: 'number', id, step: 'any', value: typeof def === 'number' ? String(def) : ''});
  } else if (type === 'options') {
    const options = Array.isArray(p.options) ? p.options : [];
    input = h('select', {id},
      p.required ? null : h('option', {value: ''}, '—'),
      options.map((o, i) => h('option', {value: String(i), title: o.description ?? null}, o.name ?? String(o.value))));
    const at = options.findIndex(o => JSON.stringify(o.value) === JSON.stringify(def));
    input.value = at >= 0 ? String(at) : (p.required && options.length ? '0' : '');
    input._options = options;
  } else if (type === 'json') {
    input = h('textarea', {id, rows: 4, class: 'code', spellcheck: 'false'});
    input.value = def === undefined ? '' : (typeof def === 'string' ? def : JSON.stringify(def, null, 2));
  } else {
    input = h('input', {type: 'text', id, value: def == null ? '' : String(def)});
  }
  input.name = p.name;
  input.dataset.type = type;
  if (p.required) input.required = true;
  const label = h('span', {class: 'field-label'}, p.displayName || p.name,
    p.required ? h('span', {class: 'required', title: 'required'}, ' *') : null,
    h('code', {class: 'param-name'}, p.name));
  if (type === 'boolean') {
    return h('div', {class: 'field'}, h('label', {class: 'check'}, input, label),
      p.description ? h('span', {class: 'field-help'}, p.description) : null);
  }
  return h('label', {class: 'field'}, label, input, p.description ? h('span', {class: 'field-help'}, p.description) : null);
}

/** The params object from the form, or throws with a message naming the field. */
function readParams(props, form) {
  const params = {};
  for (const p of props) {
    const input = form.querySelector(`#${CSS.escape(`param-${p.name}`)}`);
    if (!input) continue;
    const label = p.displayName || p.name;
    switch (p.type) {
      case 'boolean': params[p.name] = input.checked; break;
      case 'number':
        if (input.value.trim() === '') { if (p.required) throw new Error(`${label}: enter a number.`); break; }
        if (!Number.isFinite(Number(input.value))) throw new Error(`${label}: "${input.value}" is not a number.`);
        params[p.name] = Number(input.value);
        break;
      case 'options':
        if (input.value === '') break;
        params[p.name] = input._options[Number(input.value)]?.value;
        break;
      case 'json':
        if (input.value.trim() === '') { if (p.required) throw new Error(`${label}: enter JSON.`); break; }
        try { params[p.name] = JSON.parse(input.value); }
        catch (e) { throw new Error(`${label} is not valid JSON: ${e.message}`); }
        break;
      default: params[p.name] = input.value;
    }
  }
  return params;
}

function runPanel(node, def, d) {
  const props = Array.isArray(def.properties) ? def.properties : [];
  const errors = h('div', {id: 'run-errors'});
  const results = h('div', {id: 'run-results'});
  const items = h('textarea', {id: 'run-items', rows: 6, class: 'code', spellcheck: 'false'});
  items.value = '[{}]';
  const continueOnFail = h('input', {type: 'checkbox', id: 'run-continue-on-fail', checked: true});
  const submit = h('button', {type: 'submit', class: 'btn btn-primary', id: 'run-submit'}, 'Run');
  const form = h('form', {class: 'form run-form', novalidate: true},
    h('div', {class: 'run-columns'},
      h('fieldset', {class: 'params'}, h('legend', {}, 'Parameters'),
        props.length ? props.map(paramInput) : h('p', {class: 'muted'}, 'This node has no parameters.')),
      h('fieldset', {}, h('legend', {}, 'Input items'),
        h('label', {class: 'field'}, h('span', {class: 'field-label'}, 'Items (JSON array of objects; each is one item\'s json)'), items),
        h('label', {class: 'check'}, continueOnFail, h('span', {}, 'Continue on fail (a failing item becomes an error row instead of stopping the run)')))),
    errors,
    h('div', {class: 'form-actions'}, submit, h('span', {class: 'muted small'}, `Runs ${node.name} ${node.version} in the same sandbox as production.`)));

  form.addEventListener('submit', async event => {
    event.preventDefault();
    show(errors);
    let params, list;
    try {
      params = readParams(props, form);
      list = readItems(items.value);
    } catch (e) {
      show(results); // the previous run's result is not this form's any more
      show(errors, notice(e.message, 'error'));
      return;
    }
    submit.disabled = true;
    submit.textContent = 'Running…';
    try {
      const run = await api('POST', `${nodePath(node.name, node.version)}/run`,
        {json: {params, items: list, continueOnFail: continueOnFail.checked}});
      show(results, runResults(run, d));
    } catch (e) {
      show(results);
      show(errors, errorBanner(e, 'The run was refused'));
    } finally {
      submit.disabled = false;
      submit.textContent = 'Run';
    }
  });

  return h('section', {class: 'panel', id: 'test-run'},
    h('div', {class: 'panel-head'}, h('h2', {}, 'Test run'),
      h('span', {class: 'muted small'}, 'Try the node on a few items; nothing is stored')),
    h('div', {class: 'panel-body'}, form, results));
}

function runResults(run, d) {
  const s = run.summary ?? {};
  const resultList = Array.isArray(run.results) ? run.results : [];
  const peak = s.peakMemoryBytes, cap = s.memoryCapBytes;
  const share = typeof peak === 'number' && typeof cap === 'number' && cap > 0 ? Math.min(1, peak / cap) : null;
  const bar = h('span', {class: 'membar', title: share == null ? '' : `${(share * 100).toFixed(1)}% of the cap`},
    h('span', {class: 'membar-fill', style: {width: `${share == null ? 0 : Math.max(1, share * 100).toFixed(1)}%`}}));
  if (share != null && share > 0.8) bar.classList.add('membar-high');

  const summary = h('div', {class: 'run-summary', id: 'run-summary'},
    stat('Runtime', runtimeName(run.runtime)),
    stat('Items', `${formatNumber(s.itemsIn)} in → ${formatNumber(s.itemsOut)} out`),
    stat('Failures', formatNumber(s.failures), s.failures > 0 ? 'stat-bad' : null),
    s.fallbacks > 0 ? stat('Per-item fallbacks', formatNumber(s.fallbacks)) : null,
    stat('Per item', `${formatNumber(s.microsPerItem, 1)} µs`),
    stat('Instance start', `${formatNumber(s.instanceMillis, 1)} ms`),
    stat('Peak memory', [`${formatMiB(peak)} of ${formatMiB(cap)}`, bar]));

  // Table: one row per output item; per-item errors as error rows.
  const table = itemsTable(resultList.map(r => r.ok === false || r.error
    ? {index: r.index, error: r.error ?? 'failed', errorKind: r.errorKind}
    : {index: r.index, items: Array.isArray(r.items) ? r.items : []}), {id: 'run-output-table'});
  const raw = h('pre', {class: 'code-block', id: 'run-json'}, JSON.stringify(run, null, 2));

  const fellBack = resultList.filter(r => typeof r.fallbackReason === 'string');
  const logs = resultList.filter(r => (r.stdout && r.stdout.length) || (r.stderr && r.stderr.length));
  const logSection = logs.length ? h('div', {class: 'logs', id: 'run-logs'}, h('h3', {}, 'Captured output'),
    logs.map(r => h('div', {class: 'log'},
      h('div', {class: 'log-head'}, `input # ${r.index}`, r.logsTruncated ? h('span', {class: 'badge badge-warn'}, 'truncated') : null),
      r.stdout ? [h('div', {class: 'log-label'}, 'stdout'), h('pre', {class: 'code-block'}, r.stdout)] : null,
      r.stderr ? [h('div', {class: 'log-label'}, 'stderr'), h('pre', {class: 'code-block stderr'}, r.stderr)] : null))) : null;

  return append(h('div', {class: 'run-results'}),
    [h('h3', {}, 'Result'),
     run.fallbackReason ? notice(`Ran execution.js instead of execution.wasm: ${run.fallbackReason}`, 'warn') : null,
     fellBack.length ? h('div', {id: 'run-item-fallbacks'}, fellBack.map(r =>
       notice(`Input # ${r.index} re-ran on ${runtimeName(r.runtime)} (per-item fallback): ${r.fallbackReason}`, 'warn'))) : null,
     summary,
     tabs('run', [{key: 'table', label: 'Table', content: table}, {key: 'json', label: 'JSON', content: raw}]),
     logSection]);
}
