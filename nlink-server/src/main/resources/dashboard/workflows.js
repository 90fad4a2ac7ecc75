// Workflows: the list (with New and Import) and one workflow's page: its graph, a Run panel, the
// JSON editor with Save and Export, activation, deletion and its executions.
import {api, enc} from './api.js';
import {h, errorBanner, notice, show, formatTime} from './dom.js';
import {go, managesUsers} from './app.js';
import {readItems} from './items.js';
import {workflowGraph, shortType} from './graph.js';
import {executionHash, workflowHash, executionsTable, statusBanner, nodeStatuses} from './executions.js';

const TRIGGER_NAMES = {
  'n8n-nodes-base.manualTrigger': 'Manual',
  'n8n-nodes-base.webhook': 'Webhook',
  'n8n-nodes-base.scheduleTrigger': 'Schedule',
};

const triggerName = type => TRIGGER_NAMES[type] ?? shortType(type);

function newWorkflow() {
  const id = typeof crypto.randomUUID === 'function' ? crypto.randomUUID() : String(Date.now());
  return {
    name: `New workflow ${new Date().toISOString().slice(0, 16).replace('T', ' ')}`,
    nodes: [{id, name: 'Manual Trigger', type: 'n8n-nodes-base.manualTrigger', typeVersion: 1, position: [0, 0], parameters: {}}],
    connections: {},
    settings: {},
  };
}

/** POST /api/workflows, then open the new workflow; a refusal goes to `slot` with the server's problems. */
async function create(definition, slot, button, what) {
  button.disabled = true;
  try {
    const stored = await api('POST', '/api/workflows', {json: definition});
    go(workflowHash(stored.id));
  } catch (e) {
    show(slot, errorBanner(e, e.status === 422 ? `${what} was refused: it cannot run` : `Could not store ${what}`));
  } finally {
    button.disabled = false;
  }
}

export async function workflowsPage(main, ctx) {
  document.title = 'Workflows · nLink';
  const listSlot = h('div', {}, h('p', {class: 'muted panel-body'}, 'Loading…'));
  const newResult = h('div', {});
  const newButton = h('button', {type: 'button', class: 'btn btn-primary', id: 'workflow-new'}, 'New workflow');
  newButton.addEventListener('click', () => create(newWorkflow(), newResult, newButton, 'The new workflow'));
  main.append(h('div', {class: 'page'},
    h('div', {class: 'page-head'},
      h('div', {}, h('h1', {}, 'Workflows'),
        h('p', {class: 'muted'}, 'Nodes wired together: items enter at a trigger and flow along the connections. Community nodes run in their sandbox, one batch per node run.')),
      h('div', {class: 'head-actions'}, newButton)),
    newResult,
    importSection(),
    h('section', {class: 'panel'}, h('div', {class: 'panel-head'}, h('h2', {}, managesUsers() ? 'All workflows' : 'Your workflows')), listSlot)));

  try {
    const data = await api('GET', '/api/workflows');
    if (!ctx.alive()) return;
    const workflows = Array.isArray(data?.workflows) ? data.workflows : [];
    if (!workflows.length) {
      show(listSlot, h('div', {class: 'empty'}, h('p', {}, 'No workflows yet.'),
        h('p', {class: 'muted'}, 'Start a new one, or import a workflow exported from nLink or n8n.')));
      return;
    }
    show(listSlot, h('table', {class: 'table', id: 'workflows-table'},
      h('thead', {}, h('tr', {}, ['Workflow', 'Active', 'Triggers', 'Updated', 'Owner'].map(t => h('th', {}, t)))),
      h('tbody', {}, workflows.map(w => h('tr', {dataset: {workflow: w.id}},
        h('td', {}, h('a', {href: workflowHash(w.id), class: 'strong'}, w.name || `#${w.id}`)),
        h('td', {}, activeToggle(w)),
        h('td', {}, (Array.isArray(w.triggers) ? w.triggers : []).map(t => h('span', {class: 'badge trigger', title: t}, triggerName(t)))),
        h('td', {}, formatTime(w.updatedAt)),
        h('td', {}, w.owner ?? '—'))))));
  } catch (e) {
    if (ctx.alive()) show(listSlot, h('div', {class: 'panel-body'}, errorBanner(e, 'Could not list the workflows')));
  }
}

/** A switch that activates or deactivates (webhook and schedule triggers listen only while active). */
function activeToggle(w) {
  const input = h('input', {type: 'checkbox', class: 'switch', checked: Boolean(w.active), 'aria-label': `Active: ${w.name}`});
  const error = h('span', {class: 'error-text small'});
  input.addEventListener('change', async () => {
    const wanted = input.checked;
    input.disabled = true;
    error.textContent = '';
    try {
      const summary = await api('POST', `/api/workflows/${enc(w.id)}/${wanted ? 'activate' : 'deactivate'}`);
      input.checked = Boolean(summary?.active);
    } catch (e) {
      input.checked = !wanted;
      error.textContent = ` ${e.message}`;
    } finally {
      input.disabled = false;
    }
  });
  return h('label', {class: 'switch-label'}, input, error);
}

function importSection() {
  const result = h('div', {id: 'import-result'});
  const text = h('textarea', {id: 'import-json', rows: 4, class: 'code', spellcheck: 'false',
    placeholder: '{"name": "…", "nodes": [...], "connections": {...}}'});
  const file = h('input', {type: 'file', id: 'import-file', accept: '.json,application/json'});
  file.addEventListener('change', async () => {
    const chosen = file.files?.[0];
    if (!chosen) return;
    try {
      text.value = await chosen.text();
      show(result);
    } catch (e) {
      show(result, notice(`Could not read ${chosen.name}: ${e.message}`, 'error'));
    }
  });
  const submit = h('button', {type: 'submit', class: 'btn btn-primary', id: 'import-submit'}, 'Import');
  const form = h('form', {class: 'form', novalidate: true},
    h('label', {class: 'field'}, h('span', {class: 'field-label'}, 'Workflow JSON (nLink or n8n export)'), text),
    h('div', {class: 'form-actions'}, h('label', {class: 'inline-label'}, 'or choose a file ', file), h('span', {class: 'spacer'}), submit),
    result);
  form.addEventListener('submit', async event => {
    event.preventDefault();
    show(result);
    let definition;
    try {
      definition = JSON.parse(text.value);
    } catch (e) {
      return show(result, notice(text.value.trim() ? `This is not valid JSON: ${e.message}` : 'Paste a workflow or choose a file first.', 'error'));
    }
    if (!definition || typeof definition !== 'object' || Array.isArray(definition)) {
      return show(result, notice('A workflow is a JSON object with "nodes" and "connections".', 'error'));
    }
    await create(definition, result, submit, 'The workflow');
  });
  return h('section', {class: 'panel', id: 'import-panel'},
    h('div', {class: 'panel-head'}, h('h2', {}, 'Import a workflow'),
      h('span', {class: 'muted small'}, 'Paste JSON or choose a file; n8n exports that use its Manual, Webhook, Schedule, Set, IF, Merge and Code nodes work')),
    h('div', {class: 'panel-body'}, form));
}

// ---- One workflow --------------------------------------------------------------------------------

export async function workflowPage(main, ctx, id) {
  document.title = `Workflow ${id} · nLink`;
  const page = h('div', {class: 'page'}, h('p', {class: 'muted'}, 'Loading…'));
  main.append(page);
  try {
    const stored = await api('GET', `/api/workflows/${enc(id)}`);
    if (!ctx.alive()) return;
    renderWorkflow(page, stored, ctx);
  } catch (e) {
    if (!ctx.alive()) return;
    show(page, h('div', {class: 'breadcrumbs'}, h('a', {href: '#/workflows'}, 'Workflows'), ' / ', `#${id}`),
      errorBanner(e, e.status === 404 ? 'Not found' : null));
  }
}

function renderWorkflow(page, stored, ctx) {
  const definition = stored.workflow ?? {};
  document.title = `${stored.name} · nLink`;
  const graph = workflowGraph(definition);
  const executionsSlot = h('div', {}, h('p', {class: 'muted panel-body'}, 'Loading…'));
  const loadExecutions = async () => {
    try {
      const data = await api('GET', `/api/executions?workflowId=${enc(stored.id)}&limit=20`);
      if (ctx.alive()) show(executionsSlot, executionsTable(Array.isArray(data?.executions) ? data.executions : [], null, 'workflow-executions'));
    } catch (e) {
      if (ctx.alive()) show(executionsSlot, h('div', {class: 'panel-body'}, errorBanner(e, 'Could not list the executions')));
    }
  };

  const activeBadge = h('span', {class: ['badge', stored.active && 'badge-ok'], id: 'workflow-active'}, stored.active ? 'active' : 'inactive');
  const activate = h('button', {type: 'button', class: 'btn', id: 'workflow-activate'}, stored.active ? 'Deactivate' : 'Activate');
  const headErrors = h('div', {});
  activate.addEventListener('click', async () => {
    activate.disabled = true;
    show(headErrors);
    try {
      const summary = await api('POST', `/api/workflows/${enc(stored.id)}/${stored.active ? 'deactivate' : 'activate'}`);
      stored.active = Boolean(summary?.active);
      activeBadge.textContent = stored.active ? 'active' : 'inactive';
      activeBadge.classList.toggle('badge-ok', stored.active);
      activate.textContent = stored.active ? 'Deactivate' : 'Activate';
    } catch (e) {
      show(headErrors, errorBanner(e, 'Could not change the activation'));
    } finally {
      activate.disabled = false;
    }
  });

  const nodes = Array.isArray(definition.nodes) ? definition.nodes : [];
  show(page,
    h('div', {class: 'breadcrumbs'}, h('a', {href: '#/workflows'}, 'Workflows'), ' / ', stored.name),
    h('div', {class: 'page-head'},
      h('div', {},
        h('h1', {id: 'workflow-title'}, stored.name),
        h('p', {class: 'muted'}, `#${stored.id} · `, activeBadge, ` · ${nodes.length} node${nodes.length === 1 ? '' : 's'} · updated ${formatTime(stored.updatedAt)}`,
          stored.owner ? ` · owned by ${stored.owner}` : '',
          stored.createdBy && stored.createdBy !== stored.owner ? ` · created by ${stored.createdBy}` : '')),
      h('div', {class: 'head-actions'}, activate, exportButton(stored), deleteButton(stored))),
    headErrors,
    webhookUrls(nodes, stored),
    h('section', {class: 'panel'},
      h('div', {class: 'panel-head'}, h('h2', {}, 'Graph'),
        h('span', {class: 'muted small'}, 'After a run, each node takes its status\'s colour')),
      h('div', {class: 'graph-wrap'}, graph.element)),
    runPanel(stored, graph, loadExecutions),
    editorPanel(stored),
    h('section', {class: 'panel'}, h('div', {class: 'panel-head'}, h('h2', {}, 'Executions'),
      h('a', {href: '#/executions', class: 'small'}, 'All executions')), executionsSlot));
  loadExecutions();
}

/**
 * Where each enabled Webhook node listens, as the server reads its parameters (method, path
 * without surrounding slashes, the node's id when it has no path): what to give the sender.
 */
function webhookUrls(nodes, stored) {
  const hooks = nodes.filter(n => n && n.type === 'n8n-nodes-base.webhook' && !n.disabled);
  if (hooks.length === 0) return '';
  const rows = hooks.map(n => {
    const p = n.parameters ?? {};
    const method = typeof p.httpMethod === 'string' ? p.httpMethod.toUpperCase() : 'GET';
    const raw = typeof p.path === 'string' && p.path.trim() !== '' ? p.path : String(n.id ?? '');
    const path = raw.trim().replace(/^\/+|\/+$/g, '');
    const url = `${location.origin}/webhook/${path}`;
    const auth = typeof p.authentication === 'string' ? p.authentication : 'none';
    const credential = Object.values(n.credentials ?? {})[0];
    const note = auth === 'none' ? ''
      : auth === 'basicAuth' || auth === 'headerAuth'
        ? h('span', {class: 'muted small'}, ` · callers authenticate (${auth === 'basicAuth' ? 'basic' : 'header'}) with the credential "${String(credential?.name ?? credential?.id ?? '?')}"`)
        : h('span', {class: 'error-text small'}, ` · authentication "${auth}" cannot be checked by nLink yet: it cannot be activated`);
    return h('li', {class: 'webhook-url'}, h('code', {}, method), ' ', h('code', {}, url), ` · ${String(n.name ?? '')}`, note);
  });
  return h('section', {class: 'panel', id: 'workflow-webhooks'},
    h('div', {class: 'panel-head'}, h('h2', {}, 'Webhook URLs'),
      h('span', {class: 'muted small'}, stored.active ? 'Listening: the workflow is active' : 'Not listening until the workflow is activated')),
    h('ul', {class: 'panel-body'}, ...rows));
}

function runPanel(stored, graph, loadExecutions) {
  const items = h('textarea', {id: 'workflow-items', rows: 5, class: 'code', spellcheck: 'false'});
  items.value = '[{}]';
  const errors = h('div', {id: 'workflow-run-errors'});
  const result = h('div', {id: 'workflow-run-result'});
  const submit = h('button', {type: 'submit', class: 'btn btn-primary', id: 'workflow-run'}, 'Run');
  const form = h('form', {class: 'form', novalidate: true},
    h('label', {class: 'field'}, h('span', {class: 'field-label'}, 'Items for the trigger (JSON array of objects)'), items),
    errors,
    h('div', {class: 'form-actions'}, submit, h('span', {class: 'muted small'}, 'Starts at the first Manual Trigger and waits for the execution; it is recorded like any other.')));
  form.addEventListener('submit', async event => {
    event.preventDefault();
    show(errors);
    let list;
    try {
      list = readItems(items.value);
    } catch (e) {
      return show(errors, notice(e.message, 'error'));
    }
    submit.disabled = true;
    submit.textContent = 'Running…';
    show(result);
    try {
      const exec = await api('POST', `/api/workflows/${enc(stored.id)}/run`, {json: {items: list}});
      graph.setStatuses(nodeStatuses(exec));
      show(result, statusBanner(exec),
        h('p', {}, h('a', {href: executionHash(exec.id), id: 'workflow-run-execution', class: 'strong'}, `Open execution #${exec.id}`),
          h('span', {class: 'muted'}, ` — every node's items in and out, errors, logs and output`)),
        runOutput(exec));
      loadExecutions();
    } catch (e) {
      show(errors, errorBanner(e, 'The run was refused'));
    } finally {
      submit.disabled = false;
      submit.textContent = 'Run';
    }
  });
  return h('section', {class: 'panel', id: 'workflow-run-panel'},
    h('div', {class: 'panel-head'}, h('h2', {}, 'Run'), h('span', {class: 'muted small'}, 'Run the workflow now with these items')),
    h('div', {class: 'panel-body'}, form, result));
}

/** The run's result: the last node's first output, as the API answered it (a sample when large). */
function runOutput(exec) {
  const output = Array.isArray(exec.output) ? exec.output : [];
  if (exec.status !== 'success') return null;
  const total = typeof exec.outputItems === 'number' ? exec.outputItems : output.length;
  return [h('h3', {}, `Output of ${exec.lastNode ?? 'the last node'}`,
    h('span', {class: 'muted small'}, total > output.length ? ` — the first ${output.length} of ${total} items` : ` — ${total} item${total === 1 ? '' : 's'}`)),
  h('pre', {class: 'code-block', id: 'workflow-run-output'}, JSON.stringify(output, null, 2))];
}

function editorPanel(stored) {
  const editor = h('textarea', {id: 'workflow-json', rows: 18, class: 'code', spellcheck: 'false'});
  editor.value = JSON.stringify(stored.workflow ?? {}, null, 2);
  const result = h('div', {id: 'workflow-save-result'});
  const save = h('button', {type: 'submit', class: 'btn btn-primary', id: 'workflow-save'}, 'Save');
  const form = h('form', {class: 'form', novalidate: true}, editor, result,
    h('div', {class: 'form-actions'}, save, h('span', {class: 'muted small'}, 'The server checks the whole workflow before storing it; nothing changes when it is refused.')));
  form.addEventListener('submit', async event => {
    event.preventDefault();
    show(result);
    let definition;
    try {
      definition = JSON.parse(editor.value);
    } catch (e) {
      return show(result, notice(`This is not valid JSON: ${e.message}`, 'error'));
    }
    save.disabled = true;
    try {
      await api('PUT', `/api/workflows/${enc(stored.id)}`, {json: definition});
      go(workflowHash(stored.id));
    } catch (e) {
      show(result, errorBanner(e, e.status === 422 ? 'Not saved: the workflow cannot run' : 'Not saved'));
    } finally {
      save.disabled = false;
    }
  });
  return h('details', {class: 'panel', id: 'workflow-editor'},
    h('summary', {class: 'panel-head'}, h('h2', {}, 'JSON'), h('span', {class: 'muted small'}, 'Edit the definition and save it')),
    h('div', {class: 'panel-body'}, form));
}

/** Downloads the stored definition as a .json file (made in the page: nothing to fetch). */
function exportButton(stored) {
  const button = h('button', {type: 'button', class: 'btn', id: 'workflow-export'}, 'Export');
  button.addEventListener('click', () => {
    const blob = new Blob([`${JSON.stringify(stored.workflow ?? {}, null, 2)}\n`], {type: 'application/json'});
    const url = URL.createObjectURL(blob);
    const name = `${String(stored.name || 'workflow').replace(/[^\p{L}\p{N}._-]+/gu, '-').replace(/^[-.]+|-+$/g, '') || 'workflow'}.json`;
    const link = h('a', {href: url, download: name, class: 'hidden-link'});
    document.body.append(link);
    link.click();
    link.remove();
    setTimeout(() => URL.revokeObjectURL(url), 10000);
  });
  return button;
}

function deleteButton(stored) {
  const dialog = h('dialog', {class: 'dialog', id: 'workflow-delete-dialog'});
  const button = h('button', {type: 'button', class: 'btn btn-danger', id: 'workflow-delete'}, 'Delete');
  button.addEventListener('click', () => {
    const errors = h('div', {});
    const confirmButton = h('button', {type: 'button', class: 'btn btn-danger', id: 'workflow-delete-confirm'}, 'Delete workflow');
    const cancel = h('button', {type: 'button', class: 'btn'}, 'Cancel');
    cancel.addEventListener('click', () => dialog.close());
    confirmButton.addEventListener('click', async () => {
      confirmButton.disabled = true;
      try {
        await api('DELETE', `/api/workflows/${enc(stored.id)}`);
        dialog.close();
        go('#/workflows');
      } catch (e) {
        show(errors, errorBanner(e, 'Could not delete'));
        confirmButton.disabled = false;
      }
    });
    show(dialog,
      h('h2', {}, `Delete ${stored.name}?`),
      h('p', {}, 'Its webhook and schedule triggers stop and its recorded executions are deleted with it. This cannot be undone; export it first to keep a copy.'),
      errors,
      h('div', {class: 'dialog-actions'}, cancel, confirmButton));
    dialog.showModal();
  });
  return [button, dialog];
}
