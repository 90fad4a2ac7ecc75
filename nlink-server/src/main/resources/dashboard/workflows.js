// Workflows: the list (with New and Import) and one workflow's page: the editor (palette, canvas,
// node panel), a Run panel, the JSON view, Export, activation, deletion and its executions.
import {api, enc} from './api.js';
import {h, errorBanner, notice, show, formatTime, copyButton} from './dom.js';
import {go, managesUsers, onLeavePage} from './app.js';
import {readItems} from './items.js';
import {shortType, s} from './graph.js';
import {WorkflowDoc, canvas, palette} from './editor.js';
import {nodePanel, missingRequired} from './params.js';
import {executionHash, workflowHash, executionsTable, statusBanner, nodeStates} from './executions.js';
import {nodeData} from './nodedata.js';
import {follow} from './live.js';
import {sharing} from './shares.js';

const TRIGGER_NAMES = {
  'n8n-nodes-base.manualTrigger': 'Manual',
  'n8n-nodes-base.webhook': 'Webhook',
  'n8n-nodes-base.scheduleTrigger': 'Schedule',
};

const triggerName = type => TRIGGER_NAMES[type] ?? shortType(type);

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
  const newButton = h('a', {class: 'btn btn-primary', id: 'workflow-new', href: workflowHash(NEW_WORKFLOW)}, 'New workflow');
  main.append(h('div', {class: 'page'},
    h('div', {class: 'page-head'},
      h('div', {}, h('h1', {}, 'Workflows'),
        h('p', {class: 'muted'}, 'Nodes wired together: items enter at a trigger and flow along the connections. Community nodes run in their sandbox, one batch per node run.')),
      h('div', {class: 'head-actions'}, newButton)),
    importSection(),
    h('section', {class: 'panel'}, h('div', {class: 'panel-head'}, h('h2', {}, managesUsers() ? 'All workflows' : 'Your workflows and those shared with you')), listSlot)));

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
        h('td', {}, w.owner ?? '—', w.mayManage === false ? [' ', h('span', {class: 'badge'}, 'shared with you')] : null))))));
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
      h('span', {class: 'muted small'}, 'Paste JSON or choose a file; n8n exports whose nodes are all built in here (docs/workflows.md lists them) or installed community nodes run')),
    h('div', {class: 'panel-body'}, form));
}

// ---- One workflow --------------------------------------------------------------------------------

/** The address of a workflow not stored yet: the editor on an empty canvas; its first Save creates it. */
export const NEW_WORKFLOW = 'new';

/** Set by a draft's first Save, read by the page it opens: the save is confirmed there. */
let savedJustNow = null;

export async function workflowPage(main, ctx, id) {
  document.title = `Workflow ${id} · nLink`;
  const page = h('div', {class: 'page page-wide'}, h('p', {class: 'muted'}, 'Loading…'));
  main.append(page);
  try {
    const [stored, palette] = await Promise.all([
      id === NEW_WORKFLOW ? Promise.resolve(draft()) : api('GET', `/api/workflows/${enc(id)}`),
      api('GET', '/api/node-types'),
    ]);
    if (!ctx.alive()) return;
    renderWorkflow(page, stored, Array.isArray(palette?.nodeTypes) ? palette.nodeTypes : [], ctx);
  } catch (e) {
    if (!ctx.alive()) return;
    show(page, h('div', {class: 'breadcrumbs'}, h('a', {href: '#/workflows'}, 'Workflows'), ' / ', `#${id}`),
      errorBanner(e, e.status === 404 ? 'Not found' : null));
  }
}

function draft() {
  return {id: null, name: 'My workflow', active: false, workflow: {name: 'My workflow', nodes: [], connections: {}, settings: {}}};
}

/** How long the editor waits after the last change before asking the server to check the workflow. */
const CHECK_DELAY_MS = 400;

/** The longest name the server stores (WorkflowService.MAX_NAME_CHARS). */
const MAX_NAME = 200;

function renderWorkflow(page, stored, nodeTypes, ctx) {
  const isDraft = stored.id === null;
  const types = new Map(nodeTypes.map(t => [t.type, t]));
  document.title = `${stored.name} · nLink`;
  let savedJson = null;
  let lastExecution = null;
  let panel = null;
  // What each node gave last, by name: from the newest execution, then from runs of one node.
  const runData = new Map();
  let runningAlone = null;
  /** What was copied last, for a paste where the page cannot read the clipboard. */
  let copied = null;
  const dataSlot = h('div', {id: 'node-data-slot'});

  const executionsSlot = h('div', {}, h('p', {class: 'muted panel-body'}, 'Loading…'));
  const loadExecutions = async () => {
    if (isDraft) return;
    try {
      const data = await api('GET', `/api/executions?workflowId=${enc(stored.id)}&limit=20`);
      if (!ctx.alive()) return;
      const list = Array.isArray(data?.executions) ? data.executions : [];
      show(executionsSlot, executionsTable(list, null, 'workflow-executions'));
      // The newest run's items feed the expression previews.
      if (!lastExecution && list.length) {
        const exec = await api('GET', `/api/executions/${enc(list[0].id)}`);
        if (ctx.alive() && !lastExecution) {
          lastExecution = exec;
          absorb(exec);
          if (panel) renderData(panel.name());
        }
      }
    } catch (e) {
      if (ctx.alive()) show(executionsSlot, h('div', {class: 'panel-body'}, errorBanner(e, 'Could not list the executions')));
    }
  };

  // The one state: the workflow's JSON. Every view below is drawn from it.
  const wf = new WorkflowDoc(stored.workflow ?? {}, (doc, reason) => changed(reason));
  // As the editor holds it (nodes and connections always present): loading is not a change.
  savedJson = JSON.stringify(wf.doc);
  const nodeSlot = h('div', {class: 'node-panel', id: 'node-panel'});
  const board = canvas(wf, types, {onSelect: selection => openPanel(selection?.node ?? null), onRender: () => { flagIssues(); showStart(); }});
  const startHint = h('p', {class: 'muted small', id: 'workflow-run-start'});
  const nameInput = h('input', {type: 'text', id: 'workflow-name', value: wf.doc.name ?? '', maxlength: MAX_NAME, required: true, 'aria-label': 'Workflow name'});
  const saveStatus = h('span', {class: 'save-status muted small', id: 'canvas-save-status', role: 'status'});
  const saveResult = h('div', {id: 'canvas-save-result'});
  const saveButton = h('button', {type: 'button', class: 'btn btn-primary', id: 'canvas-save', title: 'Save (Ctrl+S)'}, 'Save');
  const undoButton = h('button', {type: 'button', class: 'btn btn-small', id: 'canvas-undo', title: 'Undo (Ctrl+Z)'}, 'Undo');
  const redoButton = h('button', {type: 'button', class: 'btn btn-small', id: 'canvas-redo', title: 'Redo (Ctrl+Shift+Z)'}, 'Redo');
  const deleteSelected = h('button', {type: 'button', class: 'btn btn-small', id: 'canvas-delete', title: 'Delete the selected node or connection (Delete)'}, 'Delete');
  undoButton.addEventListener('click', () => wf.undo());
  redoButton.addEventListener('click', () => wf.redo());
  deleteSelected.addEventListener('click', () => board.deleteSelection());
  saveButton.addEventListener('click', () => save());
  const rename = () => { if (nameInput.value !== wf.doc.name) wf.edit(doc => { doc.name = nameInput.value; }, 'workflow-name'); };
  nameInput.addEventListener('input', rename);
  nameInput.addEventListener('change', rename);

  const jsonEditor = h('textarea', {id: 'workflow-json', rows: 18, class: 'code', spellcheck: 'false'});
  const webhookSlot = h('div', {});
  const title = h('h1', {id: 'workflow-title'}, stored.name);

  function dirty() {
    return JSON.stringify(wf.doc) !== savedJson;
  }

  // Validation as you type: the server checks the workflow by the rules of save and run
  // (POST /api/workflows/validate); its problems are drawn on their nodes and in the panel.
  let problems = [];
  let checkedJson = null;
  let checkTimer = null;
  let checkSerial = 0;
  const problemsSlot = h('div', {id: 'workflow-problems', role: 'status'});
  const scheduleCheck = () => {
    clearTimeout(checkTimer);
    checkTimer = setTimeout(check, CHECK_DELAY_MS);
  };
  async function check() {
    const json = JSON.stringify(wf.doc);
    if (json === checkedJson || !ctx.alive()) return;
    const mine = ++checkSerial;
    try {
      const answer = await api('POST', '/api/workflows/validate', {json: {workflow: wf.doc, ...(isDraft ? {} : {id: stored.id})}});
      if (mine !== checkSerial || !ctx.alive()) return;
      checkedJson = json;
      problems = Array.isArray(answer?.problems) ? answer.problems.filter(p => p && typeof p.message === 'string') : [];
    } catch {
      return; // the check is advice; Save and Run still say what the server refuses
    }
    for (const n of wf.doc.nodes) {
      const g = nodeElement(n);
      if (g) markProblems(g, n);
    }
    showProblems();
  }
  const problemsOf = name => problems.filter(p => p.node === name);

  /** The workflow's own problems (not about one node) and a count of the rest, above the canvas. */
  function showProblems() {
    const general = problems.filter(p => typeof p.node !== 'string');
    const onNodes = problems.length - general.length;
    if (!problems.length) return show(problemsSlot);
    const blocksSave = problems.some(p => p.blocks === 'save');
    show(problemsSlot, h('div', {class: ['banner', blocksSave ? 'banner-error' : 'banner-warn', 'workflow-problems']},
      h('strong', {}, blocksSave ? 'The server would refuse to save this workflow' : 'Saved as it is, a run would fail'),
      h('ul', {}, general.map(p => h('li', {class: 'workflow-problem'}, p.message)),
        onNodes ? h('li', {class: 'muted'}, `${onNodes} problem${onNodes === 1 ? '' : 's'} on the nodes marked red: select one to read ${onNodes === 1 ? 'it' : 'them'}.`) : null)));
    if (panel) showNodeProblems(panel.name());
  }

  /** The selected node's problems, at the top of its panel. */
  const nodeProblemsSlot = h('div', {id: 'node-problems-slot'});
  function showNodeProblems(name) {
    const mine = name ? problemsOf(name) : [];
    show(nodeProblemsSlot, mine.length ? h('ul', {class: 'node-problems', id: 'node-problems'},
      mine.map(p => h('li', {class: ['node-problem', p.blocks === 'save' ? 'error-text' : 'warn-text'], dataset: {blocks: p.blocks}},
        h('strong', {}, p.blocks === 'save' ? 'Save refused: ' : 'A run fails here: '), p.message))) : '');
  }

  function changed(reason) {
    board.render();
    scheduleCheck();
    if (document.activeElement !== jsonEditor) jsonEditor.value = JSON.stringify(wf.doc, null, 2);
    if (document.activeElement !== nameInput && nameInput.value !== (wf.doc.name ?? '')) nameInput.value = wf.doc.name ?? '';
    show(webhookSlot, webhookUrls(wf.doc.nodes, stored));
    undoButton.disabled = wf.undoStack.length === 0;
    redoButton.disabled = wf.redoStack.length === 0;
    if (dirty()) {
      saveStatus.textContent = 'Unsaved changes';
      saveStatus.className = 'save-status small warn-text';
    } else if (saveStatus.textContent === 'Unsaved changes') {
      saveStatus.textContent = '';
    }
    // Undo and redo change what the panel shows; its own edits keep it (and the focus) as it is.
    if (panel && (!wf.node(panel.name()) || reason === 'history')) openPanel(wf.node(panel.name()) ? panel.name() : null);
  }

  /** Says where Run starts, by the engine's rule: the first Manual Trigger, else the first trigger node. */
  function showStart() {
    const nodes = wf.doc.nodes.filter(n => n && typeof n.name === 'string');
    const manual = nodes.find(n => n.type === 'n8n-nodes-base.manualTrigger');
    const trigger = manual ?? nodes.find(n => types.get(n.type)?.trigger);
    startHint.textContent = manual ? `Run starts at the Manual Trigger "${manual.name}", with the items above as its output.`
      : trigger ? `No Manual Trigger: Run starts at "${trigger.name}" (${types.get(trigger.type)?.displayName ?? trigger.type}), as if it had fired with the items above.`
        : 'No trigger node: Run cannot start. Add a Manual Trigger where the run should begin.';
  }

  /**
   * Marks nodes whose required parameters are empty, as the panel shows them, and nodes the server's
   * check found problems with; after every redraw of the canvas.
   */
  function flagIssues() {
    for (const n of wf.doc.nodes) {
      const g = nodeElement(n);
      if (!g) continue;
      const missing = missingRequired(n, types.get(n.type));
      g.classList.toggle('graph-node-issues', missing.length > 0);
      if (missing.length) g.querySelector('title').textContent += `\nRequired: ${missing.join(', ')}`;
      markProblems(g, n);
    }
  }

  function nodeElement(n) {
    return board.element.querySelector(`g.graph-node[data-node="${CSS.escape(String(n?.name ?? ''))}"]`);
  }

  /**
   * A red ! on a node the server's check found problems with, its messages as the !'s tooltip.
   * Changed in place when a check answers, not by a redraw: a drag under way keeps its elements.
   */
  function markProblems(g, n) {
    g.querySelector(':scope > .graph-problem')?.remove();
    const found = problemsOf(n.name);
    g.classList.toggle('graph-node-invalid', found.length > 0);
    g.dataset.problems = String(found.length);
    if (found.length) {
      g.append(s('g', {class: 'graph-problem', transform: 'translate(-8 -8)'},
        s('title', {}, found.map(p => p.message).join('\n')),
        s('circle', {r: 9, cx: 0, cy: 0}), s('text', {x: 0, y: 4.5, 'text-anchor': 'middle'}, '!')));
    }
  }

  /** Takes each node's outcome from an execution record as the node's latest data. */
  function absorb(exec) {
    for (const n of Array.isArray(exec?.nodes) ? exec.nodes : []) {
      if (!n || typeof n.name !== 'string') continue;
      runData.set(n.name, {status: n.status, outputs: Array.isArray(n.sample) ? n.sample : [], itemsOut: n.itemsOut, error: n.error,
        source: `execution #${exec.id}`});
    }
  }

  /** A node's outputs as the editor knows them: pinned, else what it gave last; null when neither. */
  function outputsOf(name) {
    const pinned = wf.pinned(name);
    if (pinned) return [pinned];
    const data = runData.get(name);
    return data && data.status !== 'skipped' ? data.outputs : null;
  }

  /** What reaches node `name`'s first input from the nodes wired to it, as the engine would hand it over. */
  function inputOf(name) {
    const incoming = wf.connections().filter(c => c.to === name && c.input === 0);
    let items = null;
    const sources = [];
    for (const c of incoming) {
      const out = outputsOf(c.from)?.[c.output];
      if (!Array.isArray(out)) continue;
      items = (items ?? []).concat(out);
      sources.push(wf.pinned(c.from) ? `${c.from} (pinned)` : `${c.from}, ${runData.get(c.from)?.source ?? ''}`);
    }
    return items === null ? null : {items, source: `from ${sources.join(' and ')}`};
  }

  /** The selected node's input and output, side by side, with Run node and Pin. */
  function renderData(name) {
    const node = name ? wf.node(name) : null;
    if (!node) return show(dataSlot);
    const data = runData.get(name);
    const names = node.type === 'n8n-nodes-base.if' ? ['true', 'false'] : [];
    show(dataSlot, nodeData({
      name,
      input: inputOf(name),
      output: data ? {...data, names} : null,
      pinned: wf.pinned(name),
      canRun: !isDraft,
      running: runningAlone === name,
      onRun: () => runAlone(name),
      onPin: items => { wf.pin(name, items); renderData(name); },
      onUnpin: () => { wf.pin(name, null); renderData(name); },
    }));
  }

  /** Runs one node alone with its input: the upstream nodes' pinned or last data, the canvas as it is now. */
  async function runAlone(name) {
    const outputs = {};
    for (const n of wf.doc.nodes) {
      if (!n || n.name === name) continue;
      const out = outputsOf(n.name);
      if (out) outputs[n.name] = out;
    }
    runningAlone = name;
    renderData(name);
    try {
      const exec = await api('POST', `/api/workflows/${enc(stored.id)}/run-node`, {json: {node: name, workflow: wf.doc, outputs}});
      const record = exec?.nodes?.[0];
      if (record) {
        runData.set(name, {status: record.status, outputs: Array.isArray(record.sample) ? record.sample : [], itemsOut: record.itemsOut,
          error: record.error, source: 'run alone'});
        board.setStatus(name, {status: record.status, items: total(record.itemsOut)});
      }
    } catch (e) {
      runData.set(name, {status: 'error', outputs: [], error: e.message, source: 'run alone'});
    } finally {
      runningAlone = null;
      if (ctx.alive() && panel?.name() === name) renderData(name);
    }
  }

  function openPanel(name) {
    const node = name ? wf.node(name) : null;
    renderData(node ? name : null);
    if (!node) {
      panel = null;
      show(nodeSlot, h('div', {class: 'node-panel-empty muted'},
        h('p', {}, 'Select a node to edit its parameters and settings.'),
        h('p', {class: 'small'}, 'Drag a node to move it; drag from an output (right) to an input (left) to connect. ',
          'Shift-click selects more nodes, Ctrl+A all of them; Ctrl+C, Ctrl+X and Ctrl+V copy, cut and paste them (n8n\'s clipboard format); ',
          'Delete removes the selection; Ctrl+Z and Ctrl+Shift+Z undo and redo; Ctrl+S saves; the wheel zooms; drag the background to pan.')));
      return;
    }
    panel = nodePanel({wf, name, entry: types.get(node.type), preview, onRename: (old, now) => { board.select({node: now}); showNodeProblems(now); }});
    showNodeProblems(name);
    show(nodeSlot, h('div', {class: 'node-panel-head'}, h('h2', {}, 'Node'),
      h('button', {type: 'button', class: 'btn btn-small', id: 'node-panel-close', onclick: () => board.select(null)}, 'Close')), nodeProblemsSlot, panel.element);
  }

  /** What an expression of node `name` is previewed with: its first input item in the newest run, else the Run panel's first item. */
  function previewInput(name) {
    const conns = wf.connections();
    const ancestors = new Set();
    const todo = [name];
    while (todo.length) {
      const at = todo.pop();
      for (const c of conns) if (c.to === at && !ancestors.has(c.from)) { ancestors.add(c.from); todo.push(c.from); }
    }
    const records = Array.isArray(lastExecution?.nodes) ? lastExecution.nodes : [];
    const first = (record, output) => {
      const item = record?.sample?.[output]?.[0];
      return item && typeof item === 'object' && !Array.isArray(item) ? item : null;
    };
    const nodes = records.filter(r => ancestors.has(r.name) && first(r, 0)).map(r => ({name: r.name, json: first(r, 0)}));
    const incoming = conns.filter(c => c.to === name).sort((a, b) => a.input - b.input);
    for (const c of incoming) {
      const item = first(records.find(r => r.name === c.from), c.output);
      if (item) return {item, nodes, label: `first input item of execution #${lastExecution.id}`};
    }
    if (!incoming.length && Array.isArray(lastExecution?.input) && lastExecution.input[0]) {
      return {item: lastExecution.input[0], nodes, label: `first input item of execution #${lastExecution.id}`};
    }
    let item = {};
    try { item = readItems(runItems.value)[0]; } catch { /* {} */ }
    return {item, nodes, label: 'the Run panel\'s first item: run the workflow to preview with real input'};
  }

  async function preview(expression, name) {
    const {item, nodes, label} = previewInput(name);
    try {
      const timezone = wf.doc.settings?.timezone;
      const answer = await api('POST', '/api/expressions/preview',
        {json: {expression, item, nodes, ...(typeof timezone === 'string' && timezone !== 'DEFAULT' ? {timezone} : {})}});
      return {...answer, label};
    } catch (e) {
      return {error: e.message, label};
    }
  }

  /** Stores the canvas: a draft is created (POST), a stored workflow replaced (PUT). */
  async function save() {
    show(saveResult);
    const name = String(wf.doc.name ?? '').trim();
    if (!name || Array.from(name).length > MAX_NAME) {
      show(saveResult, notice(name ? `The name has ${Array.from(name).length} characters; at most ${MAX_NAME}.` : 'Give the workflow a name first.', 'error'));
      nameInput.focus();
      return false;
    }
    saveButton.disabled = true;
    const sent = JSON.parse(JSON.stringify(wf.doc));
    try {
      const answer = isDraft
        ? await api('POST', '/api/workflows', {json: sent})
        : await api('PUT', `/api/workflows/${enc(stored.id)}`, {json: sent});
      if (isDraft) {
        savedJustNow = answer.id;
        savedJson = JSON.stringify(sent); // stored: opening it is no leaving of unsaved work
        go(workflowHash(answer.id));
        return true;
      }
      Object.assign(stored, answer);
      savedJson = JSON.stringify(sent);
      title.textContent = stored.name;
      document.title = `${stored.name} · nLink`;
      confirmSaved();
      changed('saved');
      return true;
    } catch (e) {
      show(saveResult, errorBanner(e, e.status === 422 ? 'Not saved: the workflow cannot run' : 'Not saved'));
      saveStatus.textContent = 'Not saved';
      saveStatus.className = 'save-status small error-text';
      return false;
    } finally {
      saveButton.disabled = false;
    }
  }

  function confirmSaved() {
    saveStatus.textContent = `Saved ${new Date().toLocaleTimeString('en-GB')}`;
    saveStatus.className = 'save-status small ok-text';
  }

  // Keyboard shortcuts, while this page is shown; typing in a field keeps the field's own keys.
  const onKey = event => {
    if (!ctx.alive()) { document.removeEventListener('keydown', onKey); return; }
    const mod = event.ctrlKey || event.metaKey;
    const key = event.key.toLowerCase();
    if (mod && key === 's') {
      event.preventDefault();
      save();
      return;
    }
    const target = event.target;
    if (target instanceof HTMLElement && (target.closest('input, textarea, select, [contenteditable]') || target.isContentEditable)) return;
    if (document.querySelector('dialog[open]')) return;
    if (mod && key === 'z') {
      event.preventDefault();
      if (event.shiftKey) wf.redo(); else wf.undo();
    } else if (mod && key === 'y') {
      event.preventDefault();
      wf.redo();
    } else if ((event.key === 'Delete' || event.key === 'Backspace') && board.selection()) {
      event.preventDefault();
      board.deleteSelection();
    } else if (mod && key === 'a') {
      event.preventDefault();
      board.selectNodes(null);
    } else if (event.key === 'Escape' && board.selection()) {
      board.select(null);
    }
  };
  document.addEventListener('keydown', onKey);

  // Copy, cut and paste of the selected nodes (Ctrl+C, Ctrl+X, Ctrl+V), through the clipboard in
  // n8n's format, {nodes, connections, pinData}: nodes copied in n8n paste here and the other way.
  // The clipboard events carry the data, so no permission is asked; a field keeps its own.
  const inField = target => target instanceof HTMLElement && Boolean(target.closest('input, textarea, select, [contenteditable]') || target.isContentEditable);
  const onCopy = event => {
    if (!ctx.alive()) { document.removeEventListener('copy', onCopy); document.removeEventListener('cut', onCopy); return; }
    const names = board.selectedNodes();
    if (inField(event.target) || !names.length || document.querySelector('dialog[open]')) return;
    event.preventDefault();
    const text = JSON.stringify(wf.fragment(names), null, 2);
    event.clipboardData?.setData('text/plain', text);
    copied = text;
    if (event.type === 'cut') board.deleteSelection();
  };
  document.addEventListener('copy', onCopy);
  document.addEventListener('cut', onCopy);
  const onPaste = event => {
    if (!ctx.alive()) { document.removeEventListener('paste', onPaste); return; }
    if (inField(event.target) || document.querySelector('dialog[open]')) return;
    let fragment;
    try {
      fragment = JSON.parse(event.clipboardData?.getData('text/plain') || copied || '');
    } catch {
      return; // not nodes: nothing to paste on the canvas
    }
    event.preventDefault();
    const added = wf.paste(fragment);
    if (added.length) board.selectNodes(added);
  };
  document.addEventListener('paste', onPaste);

  // Unsaved changes: asked before leaving by a link inside the dashboard, Back, or closing the tab.
  const unsavedQuestion = 'This workflow has unsaved changes. Leave and lose them?';
  onLeavePage(() => !dirty() || window.confirm(unsavedQuestion));
  const onUnload = event => {
    if (!ctx.alive()) { window.removeEventListener('beforeunload', onUnload); return; }
    if (dirty()) {
      event.preventDefault();
      event.returnValue = unsavedQuestion; // older browsers show the dialog only when it is set
    }
  };
  window.addEventListener('beforeunload', onUnload);

  const runItems = h('textarea', {id: 'workflow-items', rows: 5, class: 'code', spellcheck: 'false'});
  runItems.value = '[{}]';

  const editor = h('section', {class: 'panel editor', id: 'workflow-editor-panel'},
    h('div', {class: 'panel-head editor-head'},
      h('label', {class: 'inline-label editor-name'}, h('span', {class: 'field-label'}, 'Name'), nameInput),
      h('div', {class: 'head-actions'}, saveStatus, undoButton, redoButton, deleteSelected, saveButton)),
    saveResult,
    h('div', {class: 'editor-body'}, palette(nodeTypes, entry => board.addFromPalette(entry)), board.element, nodeSlot),
    // Below the canvas: a check answering while a node is dragged or wired must not move the canvas.
    problemsSlot);

  /** A node's live state on the canvas as the run reports it. */
  const onProgress = (type, data) => {
    if (!ctx.alive() || typeof data?.node !== 'string') return;
    if (type === 'node-started') board.setStatus(data.node, {status: 'running', items: null});
    if (type === 'node-finished') board.setStatus(data.node, {status: data.status, items: total(data.itemsOut)});
  };

  if (isDraft) {
    show(page,
      h('div', {class: 'breadcrumbs'}, h('a', {href: '#/workflows'}, 'Workflows'), ' / ', 'New'),
      h('div', {class: 'page-head'}, h('div', {}, title, h('p', {class: 'muted'}, 'Not stored yet: Save creates it.'))),
      editor, dataSlot, jsonPanel());
  } else {
    // Delete, Share and Transfer only for whoever may manage it: a sharee views, edits and runs.
    const shares = sharing('workflow', stored, {onTransferred: () => go(workflowHash(stored.id))});
    show(page,
      h('div', {class: 'breadcrumbs'}, h('a', {href: '#/workflows'}, 'Workflows'), ' / ', stored.name),
      h('div', {class: 'page-head'},
        h('div', {}, title,
          h('p', {class: 'muted'}, `#${stored.id} · `, activeControl().badge, ` · updated ${formatTime(stored.updatedAt)}`,
            stored.owner ? ` · owned by ${stored.owner}` : '',
            stored.createdBy && stored.createdBy !== stored.owner ? ` · created by ${stored.createdBy}` : ''),
          shares.line),
        h('div', {class: 'head-actions'}, activeControl().button, exportButton(() => wf.doc, () => wf.doc.name || stored.name),
          shares.button, shares.dialog, stored.mayManage ? deleteButton(stored, () => { savedJson = JSON.stringify(wf.doc); }) : null)),
      activeControl().errors,
      webhookSlot,
      editor,
      dataSlot,
      runPanel(stored, runItems, ctx, startHint, {
        beforeRun: async () => !dirty() || save(),
        onStart: () => board.setStatuses({}),
        onProgress,
        afterRun: exec => {
          lastExecution = exec;
          absorb(exec);
          board.setStatuses(nodeStates(exec));
          loadExecutions();
          if (panel) renderData(panel.name());
        },
      }),
      jsonPanel(),
      h('section', {class: 'panel'}, h('div', {class: 'panel-head'}, h('h2', {}, 'Executions'),
        h('a', {href: '#/executions', class: 'small'}, 'All executions')), executionsSlot));
    loadExecutions();
  }
  changed('load');
  board.fit();
  openPanel(null);
  if (savedJustNow !== null && savedJustNow === stored.id) {
    savedJustNow = null;
    confirmSaved();
  }

  /** The advanced view: the same JSON, kept in step with the canvas; Save applies it to the canvas and stores it. */
  function jsonPanel() {
    const result = h('div', {id: 'workflow-save-result'});
    const apply = h('button', {type: 'submit', class: 'btn btn-primary', id: 'workflow-save'}, 'Apply and save');
    const form = h('form', {class: 'form', novalidate: true}, jsonEditor, result,
      h('div', {class: 'form-actions'}, apply, h('span', {class: 'muted small'}, 'The canvas shows the same JSON. The server checks the whole workflow before storing it; nothing changes when it is refused.')));
    form.addEventListener('submit', async event => {
      event.preventDefault();
      show(result);
      let definition;
      try {
        definition = JSON.parse(jsonEditor.value);
      } catch (e) {
        return show(result, notice(`This is not valid JSON: ${e.message}`, 'error'));
      }
      if (!definition || typeof definition !== 'object' || Array.isArray(definition)) {
        return show(result, notice('A workflow is a JSON object with "nodes" and "connections".', 'error'));
      }
      jsonEditor.blur();
      wf.replace(definition);
      board.fit();
      if (!await save()) show(result, notice('Applied to the canvas, but not saved: see the message above the canvas.', 'error'));
    });
    return h('details', {class: 'panel', id: 'workflow-editor'},
      h('summary', {class: 'panel-head'}, h('h2', {}, 'JSON'), h('span', {class: 'muted small'}, 'The advanced view: edit the definition itself')),
      h('div', {class: 'panel-body'}, form));
  }

  /** The activation badge and button (made once, shared by the head). */
  function activeControl() {
    if (activeControl.made) return activeControl.made;
    const badge = h('span', {class: ['badge', stored.active && 'badge-ok'], id: 'workflow-active'}, stored.active ? 'active' : 'inactive');
    const button = h('button', {type: 'button', class: 'btn', id: 'workflow-activate'}, stored.active ? 'Deactivate' : 'Activate');
    const errors = h('div', {});
    button.addEventListener('click', async () => {
      button.disabled = true;
      show(errors);
      try {
        const summary = await api('POST', `/api/workflows/${enc(stored.id)}/${stored.active ? 'deactivate' : 'activate'}`);
        stored.active = Boolean(summary?.active);
        badge.textContent = stored.active ? 'active' : 'inactive';
        badge.classList.toggle('badge-ok', stored.active);
        button.textContent = stored.active ? 'Deactivate' : 'Activate';
        show(webhookSlot, webhookUrls(wf.doc.nodes, stored));
      } catch (e) {
        show(errors, errorBanner(e, 'Could not change the activation'));
      } finally {
        button.disabled = false;
      }
    });
    activeControl.made = {badge, button, errors};
    return activeControl.made;
  }
}

/**
 * Where each enabled Webhook node listens, as the server reads its parameters (method, path
 * without surrounding slashes, the node's id when it has no path): what to give the sender.
 */
function webhookUrls(nodes, stored) {
  const hooks = (Array.isArray(nodes) ? nodes : []).filter(n => n && n.type === 'n8n-nodes-base.webhook' && !n.disabled);
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
    return h('li', {class: 'webhook-url', dataset: {node: String(n.name ?? '')}}, h('code', {}, method), ' ', h('code', {class: 'webhook-address'}, url), ' ',
      copyButton(url, 'Copy URL'), ` · ${String(n.name ?? '')}`, note);
  });
  return h('section', {class: 'panel', id: 'workflow-webhooks'},
    h('div', {class: 'panel-head'}, h('h2', {}, 'Webhook URLs'),
      h('span', {class: 'muted small'}, stored.active ? 'Listening: the workflow is active (saved changes apply at once)' : 'Not listening until the workflow is activated')),
    h('ul', {class: 'panel-body'}, ...rows));
}

/** The sum of a node's output counts, or null. */
const total = counts => (Array.isArray(counts) ? counts.reduce((a, n) => a + (Number.isInteger(n) ? n : 0), 0) : null);

function runPanel(stored, items, ctx, startHint, {beforeRun, onStart, onProgress, afterRun}) {
  const errors = h('div', {id: 'workflow-run-errors'});
  const result = h('div', {id: 'workflow-run-result'});
  const submit = h('button', {type: 'submit', class: 'btn btn-primary', id: 'workflow-run'}, 'Run');
  const stop = h('button', {type: 'button', class: 'btn btn-danger', id: 'workflow-stop', hidden: true}, 'Stop');
  let running = null; // the execution under way: {id, stream}
  stop.addEventListener('click', async () => {
    if (!running) return;
    stop.disabled = true;
    stop.textContent = 'Stopping…';
    try {
      await api('POST', `/api/executions/${enc(running.id)}/stop`);
    } catch (e) {
      show(errors, errorBanner(e, 'Could not stop the execution'));
      stop.disabled = false;
      stop.textContent = 'Stop';
    }
  });
  const form = h('form', {class: 'form', novalidate: true},
    h('label', {class: 'field'}, h('span', {class: 'field-label'}, 'Items for the trigger (JSON array of objects)'), items),
    startHint,
    errors,
    h('div', {class: 'form-actions'}, submit, stop, h('span', {class: 'muted small'},
      'Saves unsaved changes first; the canvas shows each node as it runs. Pinned nodes pass their pinned items on. Recorded like any other execution.')));
  form.addEventListener('submit', async event => {
    event.preventDefault();
    show(errors);
    show(result);
    let list;
    try {
      list = readItems(items.value);
    } catch (e) {
      return show(errors, notice(e.message, 'error'));
    }
    submit.disabled = true;
    submit.textContent = 'Running…';
    try {
      if (!await beforeRun()) return show(errors, notice('Not run: the workflow could not be saved (see the message above the canvas).', 'error'));
      const started = await api('POST', `/api/workflows/${enc(stored.id)}/run`, {json: {items: list, wait: false}});
      onStart();
      const link = h('p', {}, h('a', {href: executionHash(started.id), id: 'workflow-run-live', class: 'strong'}, `Execution #${started.id}`),
        h('span', {class: 'muted', id: 'workflow-run-progress', role: 'status'}, ' — starting…'));
      show(result, link);
      const progress = link.querySelector('#workflow-run-progress');
      running = {id: started.id, stream: follow(started.id, (type, data) => {
        onProgress(type, data);
        if (type === 'node-started') progress.textContent = ` — running ${data.node}…`;
        if (type === 'node-finished' && data.status !== 'success') progress.textContent = ` — ${data.node}: ${data.status}`;
      })};
      stop.hidden = false;
      stop.disabled = false;
      stop.textContent = 'Stop';
      const exec = await running.stream.done;
      if (!ctx.alive()) return;
      afterRun(exec);
      show(result, statusBanner(exec),
        h('p', {}, h('a', {href: executionHash(exec.id), id: 'workflow-run-execution', class: 'strong'}, `Open execution #${exec.id}`),
          h('span', {class: 'muted'}, ` — every node's items in and out, errors, logs and output`)),
        runOutput(exec));
    } catch (e) {
      show(errors, errorBanner(e, 'The run was refused'));
    } finally {
      running?.stream.close();
      running = null;
      stop.hidden = true;
      submit.disabled = false;
      submit.textContent = 'Run';
    }
  });
  return h('section', {class: 'panel', id: 'workflow-run-panel'},
    h('div', {class: 'panel-head'}, h('h2', {}, 'Run'), h('span', {class: 'muted small'}, 'Run the workflow now with these items; the canvas colours each node by its status')),
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

/** Downloads the workflow on the canvas as a .json file in n8n's format (made in the page: nothing to fetch). */
function exportButton(definition, name) {
  const button = h('button', {type: 'button', class: 'btn', id: 'workflow-export'}, 'Export');
  button.addEventListener('click', () => {
    const blob = new Blob([`${JSON.stringify(definition(), null, 2)}\n`], {type: 'application/json'});
    const url = URL.createObjectURL(blob);
    const file = `${String(name() || 'workflow').replace(/[^\p{L}\p{N}._-]+/gu, '-').replace(/^[-.]+|-+$/g, '') || 'workflow'}.json`;
    const link = h('a', {href: url, download: file, class: 'hidden-link'});
    document.body.append(link);
    link.click();
    link.remove();
    setTimeout(() => URL.revokeObjectURL(url), 10000);
  });
  return button;
}

/** `discard()` runs once the workflow is deleted: its unsaved changes go with it, unasked. */
function deleteButton(stored, discard) {
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
        discard();
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
