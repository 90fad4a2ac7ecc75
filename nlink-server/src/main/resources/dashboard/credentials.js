// Credentials: the list (with a form to add one, asking for the chosen type's fields) and one
// credential's page, with its shares, a Test for the types that can be tried on their own, and
// Change and Delete for whoever may manage it. A credential's secret is never shown, not even to
// its owner: the server answers only id, name, type, owner and times, and new data replaces it whole.
import {api, enc} from './api.js';
import {h, errorBanner, notice, show, formatTime} from './dom.js';
import {go, managesUsers} from './app.js';
import {sharing} from './shares.js';

const credentialHash = id => `#/credentials/${encodeURIComponent(id)}`;

/** What each type's fields mean, for the forms: [label, help]; a field not named here shows its own name. */
const LABELS = {
  httpHeaderAuth: {name: ['Header name', 'Sent with every request, e.g. X-Api-Key.'], value: ['Header value', null]},
  httpBasicAuth: {user: ['User', null], password: ['Password', null]},
  httpQueryAuth: {name: ['Query parameter', 'e.g. api_key.'], value: ['Value', null]},
  httpBearerAuth: {token: ['Bearer token', 'Sent as Authorization: Bearer <token>.']},
  oAuth2Api: {
    grantType: ['Grant type', 'Client credentials: a server-to-server token, no browser sign-in.'],
    accessTokenUrl: ['Access token URL', 'Where the token is asked for; the same SSRF guard as HTTP Request applies.'],
    clientId: ['Client ID', null],
    clientSecret: ['Client secret', null],
    scope: ['Scope', 'Space-separated; leave empty for none.'],
    authentication: ['Send the client secret', '"header": HTTP Basic (the default); "body": as form fields.'],
  },
  jwtAuth: {
    keyType: ['Key type', '"passphrase": a shared secret (HS256/384/512); "pemKey": a public key (RS/PS/ES).'],
    secret: ['Passphrase', 'For keyType "passphrase".'],
    publicKey: ['Public key (PEM)', 'For keyType "pemKey": -----BEGIN PUBLIC KEY----- … or a certificate.'],
    algorithm: ['Algorithm', 'The only one a token may use; "none" is never accepted.'],
  },
};

/** Fields that span lines (a PEM key) get a text area. */
const MULTILINE = new Set(['publicKey']);

const TYPE_NAMES = {
  httpHeaderAuth: 'Header auth',
  httpBasicAuth: 'Basic auth',
  httpQueryAuth: 'Query auth',
  httpBearerAuth: 'Bearer auth',
  oAuth2Api: 'OAuth2 (client credentials)',
  jwtAuth: 'JWT (webhook)',
};

const typeName = type => Object.hasOwn(TYPE_NAMES, type) ? `${TYPE_NAMES[type]} (${type})` : String(type);
const labelOf = (type, field) => Object.hasOwn(LABELS, type) && Object.hasOwn(LABELS[type], field) ? LABELS[type][field] : [field, null];

/** What the next credential page shows once, above the rest: {id, text} after a create or a change. */
let flash = null;

function field(label, input, help) {
  return h('label', {class: 'field'}, h('span', {class: 'field-label'}, label), input, help ? h('span', {class: 'field-help'}, help) : null);
}

/**
 * A type select and, below it, one input per field of the chosen type (GET /api/credentials/types'
 * `fieldInfo`): a secret in a password input, a field with a default optional (the default as its
 * placeholder), one of a few `options` a select, a PEM key a text area. Ids are `${prefix}-type` and
 * `${prefix}-field-<field>`. Gives `element` to show, `type()` and `data()` to read them (an optional
 * field left empty is left out, so the server's default applies) and `clear()` to forget what was typed.
 */
function typeAndData(types, prefix, initial) {
  const select = h('select', {id: `${prefix}-type`, required: true, value: initial},
    types.map(t => h('option', {value: t.type}, typeName(t.type))));
  const fieldsSlot = h('div', {class: 'form-row-2', id: `${prefix}-fields`});
  let inputs = new Map();
  const paint = () => {
    inputs = new Map();
    const chosen = types.find(t => t.type === select.value);
    // Without fieldInfo (an older server) every field is taken for a secret: none is echoed on screen.
    const info = Array.isArray(chosen?.fieldInfo) ? chosen.fieldInfo
      : (Array.isArray(chosen?.fields) ? chosen.fields : []).map(f => ({name: f, secret: true}));
    show(fieldsSlot, info.map(f => {
      const name = String(f.name);
      const id = `${prefix}-field-${name}`;
      const [label, help] = labelOf(chosen.type, name);
      const optional = f.default !== undefined && f.default !== null;
      const placeholder = optional ? (f.default === '' ? '(none)' : String(f.default)) : '';
      const input = Array.isArray(f.options) && f.options.length
        ? h('select', {id, name, dataset: {field: name}},
          f.options.map(o => h('option', {value: o, selected: o === f.default ? true : null}, o)))
        : MULTILINE.has(name) && !f.secret
          ? h('textarea', {id, name, dataset: {field: name}, rows: 4, spellcheck: 'false', placeholder})
          : h('input', {
            id, name, dataset: {field: name}, type: f.secret ? 'password' : 'text',
            autocomplete: f.secret ? 'new-password' : 'off', spellcheck: 'false', placeholder});
      inputs.set(name, {input, optional});
      return field(optional && input.tagName !== 'SELECT' ? `${label} (optional)` : label, input, help);
    }));
  };
  select.addEventListener('change', paint);
  paint();
  return {
    element: [field('Type', select), fieldsSlot],
    type: () => select.value,
    data: () => Object.fromEntries([...inputs]
      .filter(([, {input, optional}]) => !(optional && input.value === ''))
      .map(([f, {input}]) => [f, input.value])),
    clear: () => inputs.forEach(({input}) => { if (input.tagName !== 'SELECT') input.value = ''; }),
  };
}

export async function credentialsPage(main, ctx) {
  document.title = 'Credentials · nLink';
  const listSlot = h('div', {}, h('p', {class: 'muted panel-body'}, 'Loading…'));
  const formSlot = h('div', {class: 'panel-body'});
  main.append(h('div', {class: 'page'},
    h('div', {class: 'page-head'}, h('div', {}, h('h1', {}, 'Credentials'),
      h('p', {class: 'muted'}, 'Secrets that nodes send to other services, sealed at rest; a node names one in its "credentials". Each belongs to one account; its owner may share it with others, who may then use it in workflows of their own. Nobody sees a secret once it is stored: to change it, replace it.'))),
    h('section', {class: 'panel'}, h('div', {class: 'panel-head'}, h('h2', {}, managesUsers() ? 'All credentials' : 'Your credentials and those shared with you')), listSlot),
    h('section', {class: 'panel'}, h('div', {class: 'panel-head'}, h('h2', {}, 'Add a credential')), formSlot)));

  try {
    const [data, types] = await Promise.all([api('GET', '/api/credentials'), api('GET', '/api/credentials/types')]);
    if (!ctx.alive()) return;
    const credentials = Array.isArray(data?.credentials) ? data.credentials : [];
    show(listSlot, credentials.length ? h('table', {class: 'table', id: 'credentials-table'},
      h('thead', {}, h('tr', {}, ['Credential', 'Type', 'ID', 'Owner', 'Updated'].map(t => h('th', {}, t)))),
      h('tbody', {}, credentials.map(c => h('tr', {'data-credential-id': c.id},
        h('td', {class: 'credential-name'}, h('a', {href: credentialHash(c.id), class: 'strong'}, c.name)),
        h('td', {}, typeName(c.type)),
        h('td', {}, h('code', {}, c.id)),
        h('td', {}, c.owner ?? '—', c.mayManage === false ? [' ', h('span', {class: 'badge'}, 'shared with you')] : null),
        h('td', {}, formatTime(c.updatedAt))))))
      : h('div', {class: 'empty', id: 'credentials-empty'}, h('p', {}, 'No credentials yet.')));
    show(formSlot, createForm(Array.isArray(types?.types) ? types.types : []));
  } catch (e) {
    if (ctx.alive()) show(listSlot, h('div', {class: 'panel-body'}, errorBanner(e, 'Could not list the credentials')));
  }
}

function createForm(types) {
  const errors = h('div', {id: 'credential-errors'});
  const name = h('input', {type: 'text', id: 'credential-name', required: true, autocomplete: 'off', placeholder: 'Example API key'});
  const chosen = typeAndData(types, 'credential');
  const submit = h('button', {type: 'submit', class: 'btn btn-primary', id: 'credential-submit'}, 'Add credential');
  const form = h('form', {class: 'form', novalidate: true, id: 'credential-form', autocomplete: 'off'},
    field('Name', name, 'Workflows name it by this name or by its id.'), chosen.element,
    h('div', {class: 'form-actions'}, submit), errors);
  form.addEventListener('submit', async event => {
    event.preventDefault();
    show(errors);
    if (!name.value.trim()) return show(errors, notice('Give the credential a name.', 'error'));
    if (!chosen.type()) return show(errors, notice('Choose a type.', 'error'));
    submit.disabled = true;
    try {
      const created = await api('POST', '/api/credentials', {json: {name: name.value.trim(), type: chosen.type(), data: chosen.data()}});
      // The secret leaves the page: nothing typed stays in the form.
      chosen.clear();
      flash = {id: String(created.id), text: `Credential “${created.name}” stored (id ${created.id}). Its secret will not be shown again.`};
      go(credentialHash(created.id));
    } catch (e) {
      show(errors, errorBanner(e, 'Could not add the credential'));
    } finally {
      submit.disabled = false;
    }
  });
  return form;
}

export async function credentialPage(main, ctx, id) {
  document.title = `Credential ${id} · nLink`;
  const page = h('div', {class: 'page'}, h('p', {class: 'muted'}, 'Loading…'));
  main.append(page);
  const shown = flash?.id === String(id) ? flash.text : null;
  flash = null;
  let c;
  let types;
  try {
    [c, types] = await Promise.all([api('GET', `/api/credentials/${enc(id)}`), api('GET', '/api/credentials/types')]);
  } catch (e) {
    if (ctx.alive()) show(page, h('div', {class: 'breadcrumbs'}, h('a', {href: '#/credentials'}, 'Credentials'), ' / ', id),
      errorBanner(e, e.status === 404 ? 'Not found' : null));
    return;
  }
  if (!ctx.alive()) return;
  document.title = `${c.name} · nLink`;
  types = Array.isArray(types?.types) ? types.types : [];
  // Change, Delete, Share and Transfer only for whoever may manage it: a sharee only uses (and may test) it.
  const shares = sharing('credential', c, {onTransferred: () => go(credentialHash(c.id))});
  show(page,
    h('div', {class: 'breadcrumbs'}, h('a', {href: '#/credentials'}, 'Credentials'), ' / ', c.name),
    shown ? h('div', {id: 'credential-stored'}, notice(shown, 'ok')) : null,
    h('div', {class: 'page-head'},
      h('div', {}, h('h1', {id: 'credential-title'}, c.name),
        h('p', {class: 'muted'}, typeName(c.type), ' · id ', h('code', {}, c.id), ` · owned by ${c.owner ?? '—'} · updated ${formatTime(c.updatedAt)}`),
        shares.line),
      h('div', {class: 'head-actions'}, shares.button, shares.dialog, c.mayManage ? deleteButton(c) : null)),
    types.find(t => t.type === c.type)?.testable ? testPanel(c) : null,
    c.mayManage ? editPanel(c, types)
      : h('section', {class: 'panel'}, h('div', {class: 'panel-body', id: 'credential-use-only'},
        h('p', {}, 'Shared with you: you may use it in workflows of your own. Only its owner, the server\u2019s owner or an admin may change, share or delete it.'))));
}

/** Tries the credential on its own (POST /api/credentials/{id}/test): anyone who sees it may. */
function testPanel(c) {
  const result = h('div', {id: 'credential-test-result', class: 'credential-test-result', 'aria-live': 'polite'});
  const button = h('button', {type: 'button', class: 'btn', id: 'credential-test'}, 'Test');
  button.addEventListener('click', async () => {
    button.disabled = true;
    show(result, h('span', {class: 'muted small'}, 'Testing…'));
    try {
      const outcome = await api('POST', `/api/credentials/${enc(c.id)}/test`);
      show(result, notice(String(outcome?.message ?? (outcome?.ok ? 'It works.' : 'It does not work.')), outcome?.ok ? 'ok' : 'error'));
    } catch (e) {
      show(result, errorBanner(e, 'Could not test'));
    } finally {
      button.disabled = false;
    }
  });
  return h('section', {class: 'panel'}, h('div', {class: 'panel-head'}, h('h2', {}, 'Test')),
    h('div', {class: 'panel-body'},
      h('p', {class: 'muted small'}, 'Tries it as a run would (an OAuth2 credential asks its token URL for a token) and says what came back; nothing secret is shown.'),
      h('div', {class: 'form-actions'}, button), result));
}

function editPanel(c, types) {
  const errors = h('div', {});
  const name = h('input', {type: 'text', id: 'credential-edit-name', value: c.name, required: true, autocomplete: 'off'});
  const replace = h('input', {type: 'checkbox', id: 'credential-edit-replace'});
  const chosen = typeAndData(types, 'credential-edit', c.type);
  const dataSlot = h('div', {hidden: true}, chosen.element);
  replace.addEventListener('change', () => { dataSlot.hidden = !replace.checked; });
  const submit = h('button', {type: 'submit', class: 'btn btn-primary', id: 'credential-edit-submit'}, 'Save');
  const form = h('form', {class: 'form', novalidate: true, id: 'credential-edit', autocomplete: 'off'}, field('Name', name),
    h('label', {class: 'inline-label'}, replace, ' Replace the secret (the stored one is never shown)'), dataSlot,
    h('div', {class: 'form-actions'}, submit), errors);
  form.addEventListener('submit', async event => {
    event.preventDefault();
    show(errors);
    if (!name.value.trim()) return show(errors, notice('Give the credential a name.', 'error'));
    const body = {name: name.value.trim()};
    if (replace.checked) Object.assign(body, {type: chosen.type(), data: chosen.data()});
    submit.disabled = true;
    try {
      await api('PUT', `/api/credentials/${enc(c.id)}`, {json: body});
      chosen.clear();
      flash = {id: String(c.id), text: replace.checked ? 'Saved; the secret was replaced.' : 'Saved.'};
      go(credentialHash(c.id));
    } catch (e) {
      show(errors, errorBanner(e, 'Could not change the credential'));
    } finally {
      submit.disabled = false;
    }
  });
  return h('section', {class: 'panel'}, h('div', {class: 'panel-head'}, h('h2', {}, 'Change')), h('div', {class: 'panel-body'}, form));
}

function deleteButton(c) {
  const button = h('button', {type: 'button', class: 'btn btn-danger', id: 'credential-delete'}, 'Delete');
  const errors = h('span', {class: 'error-text small'});
  button.addEventListener('click', async () => {
    if (button.dataset.armed !== 'yes') {
      button.dataset.armed = 'yes';
      button.textContent = 'Click again to delete';
      return;
    }
    button.disabled = true;
    try {
      await api('DELETE', `/api/credentials/${enc(c.id)}`);
      go('#/credentials');
    } catch (e) {
      errors.textContent = ` ${e.message}`;
      button.disabled = false;
    }
  });
  return [button, errors];
}
