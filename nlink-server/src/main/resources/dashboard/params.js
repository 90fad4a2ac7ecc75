// The node panel: the selected node's name, its parameters as a form rendered from its definition
// (types, defaults, required marks, options, collections, displayOptions), its settings, and
// expression fields with their {{ }} parts highlighted and a live preview from the server.
import {h} from './dom.js';

const clone = value => (value === undefined ? undefined : JSON.parse(JSON.stringify(value)));
const same = (a, b) => JSON.stringify(a) === JSON.stringify(b);
const isExpression = v => typeof v === 'string' && v.startsWith('=');

/** The condition operators IF, Filter and Switch evaluate (IfNode.compare): [type, operation, label, unary]. */
const OPERATORS = [
  ['string', 'equals', 'is equal to'], ['string', 'notEquals', 'is not equal to'], ['string', 'contains', 'contains'],
  ['string', 'notContains', 'does not contain'], ['string', 'startsWith', 'starts with'], ['string', 'endsWith', 'ends with'],
  ['string', 'regex', 'matches regex'], ['string', 'exists', 'exists', true], ['string', 'notExists', 'does not exist', true],
  ['string', 'empty', 'is empty', true], ['string', 'notEmpty', 'is not empty', true],
  ['number', 'equals', 'is equal to'], ['number', 'notEquals', 'is not equal to'], ['number', 'gt', 'is greater than'],
  ['number', 'lt', 'is less than'], ['number', 'gte', 'is greater than or equal to'], ['number', 'lte', 'is less than or equal to'],
  ['boolean', 'true', 'is true', true], ['boolean', 'false', 'is false', true], ['boolean', 'equals', 'is equal to'],
];

/** "Hi {{ $json.a }}!" → [{text: 'Hi '}, {code: ' $json.a '}, {text: '!'}], as the server's Template splits it. */
export function templateParts(source) {
  const parts = [];
  let at = 0;
  for (;;) {
    const open = source.indexOf('{{', at);
    const close = open < 0 ? -1 : source.indexOf('}}', open + 2);
    if (open < 0 || close < 0) {
      if (at < source.length) parts.push({text: source.slice(at), unclosed: open >= 0});
      return parts;
    }
    if (open > at) parts.push({text: source.slice(at, open)});
    parts.push({code: source.slice(open + 2, close)});
    at = close + 2;
  }
}

function getPath(root, path) {
  let at = root;
  for (const step of path) {
    if (at === null || typeof at !== 'object') return undefined;
    at = at[step];
  }
  return at;
}

function setPath(root, path, value) {
  let at = root;
  for (let i = 0; i < path.length - 1; i++) {
    const step = path[i];
    if (at[step] === null || typeof at[step] !== 'object') at[step] = typeof path[i + 1] === 'number' ? [] : {};
    at = at[step];
  }
  if (value === undefined) {
    if (Array.isArray(at)) at.splice(path[path.length - 1], 1);
    else delete at[path[path.length - 1]];
  } else {
    at[path[path.length - 1]] = value;
  }
}

/**
 * Whether a property shows, by its displayOptions: every `show` condition holds and no `hide` one
 * does; a name is a sibling in the same collection, "/name" a top-level parameter; a value not
 * given counts as its default.
 */
function visible(prop, scope, siblings, root, rootProps) {
  const d = prop.displayOptions;
  if (!d || typeof d !== 'object') return true;
  const valueOf = key => {
    const top = key.startsWith('/');
    const name = top ? key.slice(1) : key;
    const where = top ? root : scope;
    const props = top ? rootProps : siblings;
    const given = where && typeof where === 'object' ? where[name] : undefined;
    return given !== undefined ? given : props.find(p => p.name === name)?.default;
  };
  const matches = (key, allowed) => Array.isArray(allowed) && allowed.some(v => same(v, valueOf(key)));
  for (const [key, allowed] of Object.entries(d.show ?? {})) if (!matches(key, allowed)) return false;
  for (const [key, allowed] of Object.entries(d.hide ?? {})) if (matches(key, allowed)) return false;
  return true;
}

const emptyValue = v => v === undefined || v === null || v === '' || (typeof v === 'object' && !Array.isArray(v) && Object.keys(v).length === 0);

/**
 * The required parameters a node leaves empty, by display name (what the canvas flags): only
 * those shown, at the top level.
 */
export function missingRequired(node, entry) {
  const props = Array.isArray(entry?.definition?.properties) ? entry.definition.properties : [];
  const params = node.parameters ?? {};
  return props.filter(p => p.required && visible(p, params, props, params, props) && emptyValue(params[p.name] ?? p.default))
    .map(p => p.displayName || p.name);
}

/**
 * nodePanel({wf, name, entry, preview, onRename}) → the panel element for node `name`.
 * `preview(expression, nodeName)` → Promise<{value} | {error}, label>; `wf` is the WorkflowDoc.
 * Field ids: `param-<path>` (dots between steps), the preview `param-<path>-preview`.
 */
export function nodePanel({wf, name, entry, preview, onRename}) {
  const root = h('div', {class: 'node-panel-body'});
  const node = () => wf.node(name);
  const props = Array.isArray(entry?.definition?.properties) ? entry.definition.properties : [];
  let serial = 0;

  /** Writes one parameter; typing into one field is one undo step. */
  const write = (path, value, {rebuild = false, key = null} = {}) => {
    wf.edit(doc => {
      const n = doc.nodes.find(x => x?.name === name);
      if (!n) return;
      if (!n.parameters || typeof n.parameters !== 'object') n.parameters = {};
      setPath(n.parameters, path, value);
    }, key ?? `param:${name}:${path.join('.')}`);
    if (rebuild) draw();
  };
  const writeNode = (field, value) => {
    wf.edit(doc => {
      const n = doc.nodes.find(x => x?.name === name);
      if (!n) return;
      if (value === undefined || value === false && field === 'disabled') delete n[field];
      else n[field] = value;
    });
    draw();
  };

  function draw() {
    const n = node();
    if (!n) { root.replaceChildren(); return; }
    const params = n.parameters ?? {};
    const nameInput = h('input', {type: 'text', id: 'node-panel-name', value: n.name, maxlength: 128, 'aria-label': 'Node name'});
    const nameError = h('span', {class: 'error-text small', id: 'node-panel-name-error'});
    nameInput.addEventListener('change', () => {
      const wanted = nameInput.value.trim();
      if (wanted === n.name) return;
      if (!wanted) { nameError.textContent = 'A node needs a name.'; return; }
      if (wf.node(wanted)) { nameError.textContent = `Another node is named "${wanted}".`; return; }
      const old = name;
      if (wf.rename(old, wanted)) { name = wanted; onRename(old, wanted); }
    });
    const form = props.length
      ? fields(props, params, [], params)
      : [h('p', {class: 'muted small'}, entry ? 'This node has no parameters.' : 'This node type is not installed here: its parameters cannot be shown. Edit them in the JSON view.')];
    root.replaceChildren(
      h('label', {class: 'field'}, h('span', {class: 'field-label'}, 'Name'), nameInput, nameError),
      h('p', {class: 'muted small node-panel-type'}, h('code', {}, n.type ?? '?'), entry?.description ? ` — ${entry.description}` : ''),
      h('section', {class: 'node-panel-section', id: 'node-parameters'}, h('h3', {}, 'Parameters'), form),
      settings(n));
  }

  function fields(list, scope, prefix, rootParams) {
    return list.filter(p => visible(p, scope, list, rootParams, props)).map(p => field(p, scope?.[p.name], [...prefix, p.name], rootParams));
  }

  function label(p, path) {
    return h('span', {class: 'field-label'}, p.displayName || p.name,
      p.required ? h('span', {class: 'required', title: 'required'}, ' *') : null,
      h('code', {class: 'param-name'}, path.join('.')));
  }

  function help(p) {
    return p.description ? h('span', {class: 'field-help'}, p.description) : null;
  }

  function field(p, given, path, rootParams) {
    const id = `param-${path.join('.')}`;
    const value = given !== undefined ? given : clone(p.default);
    const type = p.type ?? 'string';
    const requiredNote = h('span', {class: 'error-text small param-required-note'}, 'Required');
    const box = h('div', {class: 'field param', dataset: {param: path.join('.')}});
    /** Marks a required field left empty, as you type. */
    const mark = v => {
      const missing = Boolean(p.required) && emptyValue(v);
      box.classList.toggle('param-missing', missing);
      requiredNote.hidden = !missing;
    };
    const wrap = (...content) => {
      box.append(...content.filter(Boolean), requiredNote);
      const more = help(p);
      if (more) box.append(more);
      mark(value);
      return box;
    };
    if (type === 'collection') return collection(p, value, path, rootParams, label(p, path), help(p));
    if (type === 'fixedCollection') return fixedCollection(p, value, path, rootParams, label(p, path), help(p));
    if (type === 'assignmentCollection') return assignments(p, value, path, label(p, path));
    if (type === 'filter') return filter(p, value, path, label(p, path));
    if (isExpression(value) || type === 'string' || type === 'json') {
      const multiline = type === 'json' || Boolean(p.typeOptions?.rows) || p.typeOptions?.editor === 'code';
      return wrap(label(p, path), expressionInput({id, value: typeof value === 'string' ? value : JSON.stringify(value ?? ''), multiline,
        rows: p.typeOptions?.rows ?? (type === 'json' ? 5 : 3), placeholder: p.placeholder, code: type === 'json' || p.typeOptions?.editor === 'code',
        onInput: v => { write(path, v); mark(v); },
        // Back to a fixed value: text keeps what was typed; another type starts again from its default.
        onMode: v => write(path, isExpression(v) || type === 'string' || type === 'json' ? v : clone(p.default), {rebuild: true})}));
    }
    if (type === 'number') {
      const input = h('input', {type: 'number', id, step: 'any', value: typeof value === 'number' ? String(value) : '',
        min: p.typeOptions?.minValue, max: p.typeOptions?.maxValue});
      input.addEventListener('input', () => {
        if (input.value.trim() === '') return write(path, undefined);
        const n = Number(input.value);
        if (Number.isFinite(n)) write(path, n);
      });
      return wrap(label(p, path), h('div', {class: 'param-row'}, input, exprToggle(() => write(path, `=${value ?? ''}`, {rebuild: true}))));
    }
    if (type === 'boolean') {
      const input = h('input', {type: 'checkbox', id, checked: value === true});
      input.addEventListener('change', () => write(path, input.checked, {rebuild: true, key: null}));
      return wrap(h('label', {class: 'check'}, input, label(p, path)));
    }
    if (type === 'options') {
      const options = Array.isArray(p.options) ? p.options : [];
      const select = h('select', {id}, options.map((o, i) => h('option', {value: String(i), title: o.description ?? null}, o.name ?? String(o.value))));
      const at = options.findIndex(o => same(o.value, value));
      select.value = String(at >= 0 ? at : 0);
      select.addEventListener('change', () => write(path, clone(options[Number(select.value)]?.value), {rebuild: true, key: null}));
      const chosen = options[at >= 0 ? at : 0];
      return wrap(label(p, path), select, chosen?.description ? h('span', {class: 'field-help'}, chosen.description) : null);
    }
    return wrap(label(p, path), h('p', {class: 'muted small'}, `Type "${type}" is edited in the JSON view.`));
  }

  /** Optional settings: each shown once added, with a remove button; "Add option" lists the rest. */
  function collection(p, value, path, rootParams, title, helpText) {
    const current = value && typeof value === 'object' && !Array.isArray(value) ? value : {};
    const options = Array.isArray(p.options) ? p.options : [];
    const present = options.filter(o => current[o.name] !== undefined && visible(o, current, options, rootParams, props));
    const missing = options.filter(o => current[o.name] === undefined && visible(o, current, options, rootParams, props));
    const add = h('select', {id: `param-${path.join('.')}-add`, 'aria-label': p.placeholder || 'Add option'},
      h('option', {value: ''}, p.placeholder || 'Add option'), missing.map(o => h('option', {value: o.name}, o.displayName || o.name)));
    add.addEventListener('change', () => {
      const o = options.find(x => x.name === add.value);
      if (o) write([...path, o.name], clone(o.default ?? ''), {rebuild: true, key: null});
    });
    return h('fieldset', {class: 'param-collection', dataset: {param: path.join('.')}}, h('legend', {}, title), helpText,
      present.map(o => h('div', {class: 'param-removable'}, field(o, current[o.name], [...path, o.name], rootParams),
        removeButton(`Remove ${o.displayName || o.name}`, () => write([...path, o.name], undefined, {rebuild: true, key: null})))),
      missing.length ? add : null);
  }

  /** Groups of fields: each group a list of entries (multipleValues) or one entry. */
  function fixedCollection(p, value, path, rootParams, title, helpText) {
    const current = value && typeof value === 'object' && !Array.isArray(value) ? value : {};
    const multiple = p.typeOptions?.multipleValues === true;
    const groups = Array.isArray(p.options) ? p.options : [];
    const blank = group => Object.fromEntries((group.values ?? []).map(v => [v.name, clone(v.default)]));
    return h('fieldset', {class: 'param-collection', dataset: {param: path.join('.')}}, h('legend', {}, title), helpText,
      groups.map(group => {
        const values = Array.isArray(group.values) ? group.values : [];
        const entries = multiple ? (Array.isArray(current[group.name]) ? current[group.name] : []) : (current[group.name] ? [current[group.name]] : []);
        const addButton = h('button', {type: 'button', class: 'btn btn-small', id: `param-${[...path, group.name].join('.')}-add`},
          `Add ${group.displayName || group.name}`);
        addButton.addEventListener('click', () => write(multiple ? [...path, group.name, entries.length] : [...path, group.name], blank(group), {rebuild: true, key: null}));
        return h('div', {class: 'param-group'},
          groups.length > 1 ? h('div', {class: 'field-label'}, group.displayName || group.name) : null,
          entries.map((e, i) => {
            const at = multiple ? [...path, group.name, i] : [...path, group.name];
            return h('div', {class: 'param-entry'},
              values.filter(v => visible(v, e, values, rootParams, props)).map(v => field(v, e?.[v.name], [...at, v.name], rootParams)),
              removeButton('Remove', () => write(at, undefined, {rebuild: true, key: null})));
          }),
          multiple || entries.length === 0 ? addButton : null);
      }));
  }

  /** Set's fields: rows of name, type and value ({assignments: [{id, name, value, type}]}). */
  function assignments(p, value, path, title) {
    const list = Array.isArray(value?.assignments) ? value.assignments : [];
    const types = Array.isArray(p.typeOptions?.assignmentTypes) ? p.typeOptions.assignmentTypes : [{name: 'String', value: 'string'}];
    const rows = list.map((a, i) => {
      const at = [...path, 'assignments', i];
      const nameInput = h('input', {type: 'text', id: `param-${at.join('.')}.name`, value: a?.name ?? '', placeholder: 'name', 'aria-label': 'Field name'});
      nameInput.addEventListener('input', () => write([...at, 'name'], nameInput.value));
      const typeSelect = h('select', {id: `param-${at.join('.')}.type`, 'aria-label': 'Type'}, types.map(t => h('option', {value: t.value}, t.name)));
      typeSelect.value = a?.type ?? 'string';
      typeSelect.addEventListener('change', () => write([...at, 'type'], typeSelect.value, {key: null}));
      return h('div', {class: 'assignment', dataset: {index: i}},
        h('div', {class: 'param-row'}, nameInput, typeSelect, removeButton('Remove field', () => write(at, undefined, {rebuild: true, key: null}))),
        expressionInput({id: `param-${at.join('.')}.value`, value: typeof a?.value === 'string' ? a.value : JSON.stringify(a?.value ?? ''),
          placeholder: 'value', onInput: v => write([...at, 'value'], v), onMode: v => write([...at, 'value'], v, {rebuild: true})}));
    });
    const add = h('button', {type: 'button', class: 'btn btn-small', id: `param-${path.join('.')}-add`}, 'Add field');
    add.addEventListener('click', () => write([...path, 'assignments', list.length],
      {id: crypto.randomUUID?.() ?? String(Date.now()), name: '', value: '', type: 'string'}, {rebuild: true, key: null}));
    return h('fieldset', {class: 'param-collection', dataset: {param: path.join('.')}}, h('legend', {}, title),
      rows.length ? rows : h('p', {class: 'muted small'}, 'No fields yet.'), add);
  }

  /** IF, Filter and Switch conditions: rows of value, operator, value, joined by and/or. */
  function filter(p, value, path, title) {
    const block = value && typeof value === 'object' && !Array.isArray(value) ? value : {};
    const list = Array.isArray(block.conditions) ? block.conditions : [];
    const rows = list.map((c, i) => {
      const at = [...path, 'conditions', i];
      const op = OPERATORS.findIndex(o => o[0] === (c?.operator?.type ?? 'string') && o[1] === (c?.operator?.operation ?? 'equals'));
      const select = h('select', {id: `param-${at.join('.')}.operator`, 'aria-label': 'Operator'},
        ['string', 'number', 'boolean'].map(type => h('optgroup', {label: type},
          OPERATORS.map((o, j) => [o, j]).filter(([o]) => o[0] === type).map(([o, j]) => h('option', {value: String(j)}, `${o[0]}: ${o[2]}`)))));
      select.value = String(op >= 0 ? op : 0);
      select.addEventListener('change', () => {
        const [type, operation, , unary] = OPERATORS[Number(select.value)];
        write([...at, 'operator'], unary ? {type, operation, singleValue: true} : {type, operation}, {rebuild: true, key: null});
      });
      const [opType, , , unary] = OPERATORS[op >= 0 ? op : 0];
      // A fixed value is stored with the operator's type, as n8n stores it: the comparison is strict by default.
      const typed = v => {
        if (isExpression(v)) return v;
        if (opType === 'number' && v.trim() !== '' && Number.isFinite(Number(v))) return Number(v);
        if (opType === 'boolean' && (v === 'true' || v === 'false')) return v === 'true';
        return v;
      };
      const side = key => expressionInput({id: `param-${[...at, key].join('.')}`, value: typeof c?.[key] === 'string' ? c[key] : JSON.stringify(c?.[key] ?? ''),
        placeholder: key === 'leftValue' ? 'value 1, e.g. {{ $json.age }}' : 'value 2',
        onInput: v => write([...at, key], typed(v)), onMode: v => write([...at, key], typed(v), {rebuild: true})});
      return h('div', {class: 'condition', dataset: {index: i}}, side('leftValue'),
        h('div', {class: 'param-row'}, select, removeButton('Remove condition', () => write(at, undefined, {rebuild: true, key: null}))),
        unary ? null : side('rightValue'));
    });
    const combinator = h('select', {id: `param-${path.join('.')}.combinator`, 'aria-label': 'Combine conditions'},
      h('option', {value: 'and'}, 'AND: every condition holds'), h('option', {value: 'or'}, 'OR: one condition holds'));
    combinator.value = block.combinator === 'or' ? 'or' : 'and';
    combinator.addEventListener('change', () => write([...path, 'combinator'], combinator.value, {key: null}));
    const add = h('button', {type: 'button', class: 'btn btn-small', id: `param-${path.join('.')}-add`}, 'Add condition');
    add.addEventListener('click', () => { wf.edit(doc => {
      const n = doc.nodes.find(x => x?.name === name);
      if (!n) return;
      n.parameters ??= {};
      const current = getPath(n.parameters, path);
      const next = current && typeof current === 'object' && !Array.isArray(current) ? current : {};
      next.options ??= {caseSensitive: true, leftValue: '', typeValidation: 'strict'};
      next.conditions = Array.isArray(next.conditions) ? next.conditions : [];
      next.conditions.push({id: crypto.randomUUID?.() ?? String(Date.now()), leftValue: '', rightValue: '', operator: {type: 'string', operation: 'equals'}});
      next.combinator ??= 'and';
      setPath(n.parameters, path, next);
    }); draw(); });
    return h('fieldset', {class: 'param-collection param-filter', dataset: {param: path.join('.')}}, h('legend', {}, title),
      rows.length ? rows : h('p', {class: 'muted small'}, 'No conditions: every item passes.'), rows.length > 1 ? combinator : null, add);
  }

  function removeButton(title, action) {
    return h('button', {type: 'button', class: 'btn btn-small btn-icon param-remove', title, 'aria-label': title, onclick: action}, '×');
  }

  /**
   * What an expression of this node can name (docs/workflows.md, Expressions): the item, its
   * position, the node's input, and each node upstream of it by name.
   */
  function expressionVariables() {
    const upstream = [];
    const seen = new Set([name]);
    const todo = [name];
    while (todo.length) {
      const at = todo.shift();
      for (const c of wf.connections()) {
        if (c.to === at && !seen.has(c.from)) {
          seen.add(c.from);
          upstream.push(c.from);
          todo.push(c.from);
        }
      }
    }
    const quoted = n => `'${n.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;
    return ['$json', '$index', '$input.all()', '$now', '$workflow.name', '$execution.id', '$runIndex',
      ...upstream.map(n => `$(${quoted(n)}).item.json`)];
  }

  function exprToggle(action) {
    return h('button', {type: 'button', class: 'btn btn-small expr-toggle', title: 'Use an expression', onclick: action}, 'fx');
  }

  /**
   * A text field that may hold an expression: "=" first makes it one; the {{ }} parts are shown
   * highlighted under it with the value for the first input item.
   */
  function expressionInput({id, value, multiline = false, rows = 3, placeholder, code = false, onInput, onMode}) {
    const input = multiline || code
      ? h('textarea', {id, rows, spellcheck: 'false', class: code ? 'code' : null, placeholder})
      : h('input', {type: 'text', id, placeholder, autocomplete: 'off', spellcheck: 'false'});
    input.value = value ?? '';
    const view = h('div', {class: 'expr-view', id: `${id}-view`, 'aria-label': 'Expression'});
    const result = h('div', {class: 'expr-preview', id: `${id}-preview`, 'aria-live': 'polite'});
    const insert = variable => {
      const from = input.selectionStart ?? input.value.length;
      const to = input.selectionEnd ?? from;
      const piece = `{{ ${variable} }}`;
      input.value = input.value.slice(0, from) + piece + input.value.slice(to);
      input.focus();
      input.setSelectionRange(from + piece.length, from + piece.length);
      onInput(input.value);
      show();
    };
    const vars = h('div', {class: 'expr-vars small', id: `${id}-vars`}, h('span', {class: 'muted'}, 'Insert '),
      ...expressionVariables().map(v => h('button', {type: 'button', class: 'btn btn-small expr-var', dataset: {var: v}, onclick: () => insert(v)}, v)));
    const box = h('div', {class: 'expr-box'}, view, result, vars);
    const toggle = h('button', {type: 'button', class: 'btn btn-small expr-toggle', id: `${id}-mode`, title: 'Expression or fixed value'});
    const show = () => {
      const text = input.value;
      const expression = isExpression(text);
      input.classList.toggle('expression', expression);
      toggle.textContent = expression ? 'Fixed' : 'fx';
      toggle.title = expression ? 'Use a fixed value' : 'Use an expression ({{ $json.field }})';
      box.hidden = !expression;
      if (!expression) return;
      view.replaceChildren(...templateParts(text.slice(1)).map(part => part.code !== undefined
        ? h('span', {class: 'expr-code'}, `{{${part.code}}}`)
        : h('span', {class: ['expr-literal', part.unclosed && 'expr-unclosed'], title: part.unclosed ? 'an unclosed {{' : null}, part.text)));
      const mine = ++serial;
      result.className = 'expr-preview expr-pending';
      result.textContent = 'Evaluating…';
      clearTimeout(input._timer);
      input._timer = setTimeout(async () => {
        const answer = await preview(text, name);
        if (mine !== serial || !result.isConnected) return;
        result.className = `expr-preview ${answer.error !== undefined ? 'expr-error' : 'expr-ok'}`;
        result.replaceChildren(
          h('span', {class: 'expr-result'}, answer.error !== undefined ? `Error: ${answer.error}` : formatValue(answer.value)),
          h('span', {class: 'expr-source muted small'}, answer.label ? ` — ${answer.label}` : ''));
      }, 250);
    };
    input.addEventListener('input', () => { onInput(input.value); show(); });
    toggle.addEventListener('click', () => {
      const text = input.value;
      onMode(isExpression(text) ? text.slice(1) : `=${text}`);
    });
    show();
    return h('div', {class: 'expr-field'}, h('div', {class: 'param-row'}, input, toggle), box);
  }

  function settings(n) {
    const disabled = h('input', {type: 'checkbox', id: 'node-setting-disabled', checked: n.disabled === true});
    disabled.addEventListener('change', () => writeNode('disabled', disabled.checked || undefined));
    const onError = h('select', {id: 'node-setting-on-error'},
      h('option', {value: 'stopWorkflow'}, 'Stop the workflow'),
      h('option', {value: 'continueRegularOutput'}, 'Continue: failed items become {"error"} items'),
      h('option', {value: 'continueErrorOutput'}, 'Continue: failed items go to an error output'));
    onError.value = typeof n.onError === 'string' ? n.onError : n.continueOnFail === true ? 'continueRegularOutput' : 'stopWorkflow';
    onError.addEventListener('change', () => {
      wf.edit(doc => {
        const x = doc.nodes.find(m => m?.name === n.name);
        if (!x) return;
        delete x.continueOnFail; // the older spelling of continueRegularOutput
        if (onError.value === 'stopWorkflow') delete x.onError;
        else x.onError = onError.value;
      });
      draw();
    });
    const retry = h('input', {type: 'checkbox', id: 'node-setting-retry', checked: n.retryOnFail === true});
    retry.addEventListener('change', () => writeNode('retryOnFail', retry.checked || undefined));
    const number = (field, id, min, max, fallback) => {
      const input = h('input', {type: 'number', id, min, max, step: 1, value: Number.isFinite(n[field]) ? String(n[field]) : '', placeholder: String(fallback)});
      input.addEventListener('change', () => {
        const v = Number(input.value);
        writeNode(field, input.value.trim() === '' || !Number.isFinite(v) ? undefined : v);
      });
      return input;
    };
    const versions = entry && !entry.builtin && Array.isArray(entry.versions) ? entry.versions : null;
    let pin = null;
    if (versions) {
      // A pinned version that is not installed stays shown as it is: the server's check flags it.
      const gone = typeof n.packageVersion === 'string' && !versions.includes(n.packageVersion) ? n.packageVersion : null;
      pin = h('select', {id: 'node-setting-version'}, h('option', {value: ''}, 'Latest installed (not pinned)'), versions.map(v => h('option', {value: v}, v)),
        gone ? h('option', {value: gone}, `${gone} (not installed)`) : null);
      pin.value = typeof n.packageVersion === 'string' ? n.packageVersion : '';
      pin.addEventListener('change', () => writeNode('packageVersion', pin.value || undefined));
    }
    return h('section', {class: 'node-panel-section', id: 'node-settings'}, h('h3', {}, 'Settings'),
      h('label', {class: 'check'}, disabled, h('span', {}, 'Disabled (passes its first input through)')),
      h('label', {class: 'field'}, h('span', {class: 'field-label'}, 'On error'), onError),
      h('label', {class: 'check'}, retry, h('span', {}, 'Retry on fail')),
      n.retryOnFail === true ? h('div', {class: 'form-row-2'},
        h('label', {class: 'field'}, h('span', {class: 'field-label'}, 'Max tries (1–10)'), number('maxTries', 'node-setting-max-tries', 1, 10, 3)),
        h('label', {class: 'field'}, h('span', {class: 'field-label'}, 'Wait between tries (ms)'), number('waitBetweenTries', 'node-setting-wait', 0, 60000, 1000))) : null,
      h('label', {class: 'field'}, h('span', {class: 'field-label'}, 'Timeout per item (seconds; sandboxed nodes)'), number('timeout', 'node-setting-timeout', 1, 600, 10)),
      pin ? h('label', {class: 'field'}, h('span', {class: 'field-label'}, 'Version'), pin) : null);
  }

  draw();
  return {element: root, redraw: draw, name: () => name};
}

function formatValue(value) {
  if (value === undefined || value === null) return 'null';
  if (typeof value === 'string') return value;
  const text = JSON.stringify(value);
  return text.length > 2000 ? `${text.slice(0, 2000)}…` : text;
}
