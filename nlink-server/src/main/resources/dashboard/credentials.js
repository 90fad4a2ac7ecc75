// Credentials: list, create by type with its fields, test (where a type can be tried on its own),
// delete. Secrets go in and are never shown back: the server answers only id, name, type, owner
// and times, and the form forgets what was typed once it is stored.
import {api, enc} from './api.js';
import {h, errorBanner, notice, show, formatTime} from './dom.js';

/** What each type's fields mean, for the form; a field not named here shows its own name. */
const LABELS = {
  httpHeaderAuth: {name: ['Header name', 'Sent with every request, e.g. X-Api-Key.'], value: ['Header value', null]},
  httpBasicAuth: {user: ['User', null], password: ['Password', null]},
  httpQueryAuth: {name: ['Query parameter', 'e.g. api_key.'], value: ['Value', null]},
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
  oAuth2Api: 'OAuth2 (client credentials)',
  jwtAuth: 'JWT (webhook)',
};

const typeName = type => TYPE_NAMES[type] ? `${TYPE_NAMES[type]} (${type})` : type;

function field(label, input, help) {
  return h('label', {class: 'field'}, h('span', {class: 'field-label'}, label), input,
    help ? h('span', {class: 'field-help'}, help) : null);
}

export async function credentialsPage(main, ctx) {
  document.title = 'Credentials · nLink';
  const listSlot = h('div', {}, h('p', {class: 'muted panel-body'}, 'Loading…'));
  const errors = h('div', {id: 'credential-errors'});
  const listErrors = h('div', {});
  const name = h('input', {id: 'credential-name', type: 'text', required: true, autocomplete: 'off', placeholder: 'Example API key'});
  const type = h('select', {id: 'credential-type', required: true}, h('option', {value: ''}, 'Loading…'));
  const fieldsSlot = h('div', {id: 'credential-fields'});
  const submit = h('button', {type: 'submit', class: 'btn btn-primary', id: 'credential-submit'}, 'Create credential');
  const form = h('form', {class: 'form', novalidate: true, id: 'credential-form', autocomplete: 'off'},
    field('Name', name, 'How workflows name it, with its id.'), field('Type', type), fieldsSlot,
    h('div', {class: 'form-actions'}, submit), errors);

  main.append(h('div', {class: 'page'},
    h('div', {class: 'page-head'}, h('div', {},
      h('h1', {}, 'Credentials'),
      h('p', {class: 'muted'}, 'Secrets your workflows\' nodes use, sealed at rest. A node names one in its "credentials". Once stored, a secret is never shown again: to change it, replace it.'))),
    h('section', {class: 'panel'}, h('div', {class: 'panel-head'}, h('h2', {}, 'Create a credential')), h('div', {class: 'panel-body'}, form)),
    h('section', {class: 'panel'}, h('div', {class: 'panel-head'}, h('h2', {}, 'Credentials')), listErrors, listSlot)));

  let types = [];
  let inputs = {};
  const renderFields = () => {
    const t = types.find(x => x.type === type.value);
    inputs = {};
    if (!t) return show(fieldsSlot);
    const info = t.fieldInfo ?? t.fields.map(f => ({name: f, secret: false}));
    show(fieldsSlot, ...info.map(f => {
      const [label, help] = LABELS[t.type]?.[f.name] ?? [f.name, null];
      const placeholder = f.default !== undefined ? (f.default === '' ? '(none)' : f.default) : '';
      const input = Array.isArray(f.options) && f.options.length
        ? h('select', {id: `credential-field-${f.name}`, name: f.name}, f.options.map(o => h('option', {value: o, selected: o === f.default ? true : null}, o)))
        : MULTILINE.has(f.name) && !f.secret
        ? h('textarea', {id: `credential-field-${f.name}`, name: f.name, rows: 4, spellcheck: 'false', placeholder})
        : h('input', {
          id: `credential-field-${f.name}`, name: f.name, type: f.secret ? 'password' : 'text',
          autocomplete: f.secret ? 'new-password' : 'off', spellcheck: 'false', placeholder});
      inputs[f.name] = {input, optional: f.default !== undefined};
      return field(f.default !== undefined && input.tagName !== 'SELECT' ? `${label} (optional)` : label, input, help);
    }));
  };
  type.addEventListener('change', renderFields);

  const load = async () => {
    try {
      const body = await api('GET', '/api/credentials');
      if (!ctx.alive()) return;
      const list = body?.credentials ?? [];
      if (!list.length) return show(listSlot, h('div', {class: 'empty', id: 'credentials-empty'}, 'No credentials yet.'));
      show(listSlot, h('table', {class: 'table', id: 'credentials-table'},
        h('thead', {}, h('tr', {}, ['Name', 'Type', 'ID', 'Owner', 'Updated', ''].map(t => h('th', {}, t)))),
        h('tbody', {}, list.map(c => row(c)))));
    } catch (e) {
      if (ctx.alive()) show(listSlot, errorBanner(e, 'Could not list the credentials'));
    }
  };

  const row = c => {
    // The outcome of a test goes in a row of its own under the credential's, added on the first test.
    const result = h('div', {class: 'credential-test-result'});
    const resultRow = h('tr', {class: 'credential-test-row'}, h('td', {colspan: 6}, result));
    let tr = null;
    const actions = [];
    if (types.find(t => t.type === c.type)?.testable) {
      const test = h('button', {type: 'button', class: 'btn btn-small credential-test'}, 'Test');
      test.addEventListener('click', async () => {
        test.disabled = true;
        if (!resultRow.isConnected) tr.after(resultRow);
        show(result, h('span', {class: 'muted small'}, 'Testing…'));
        try {
          const outcome = await api('POST', `/api/credentials/${enc(c.id)}/test`);
          show(result, notice(outcome.message, outcome.ok ? 'ok' : 'error'));
        } catch (e) {
          show(result, errorBanner(e, 'Could not test'));
        } finally {
          test.disabled = false;
        }
      });
      actions.push(test);
    }
    const remove = h('button', {type: 'button', class: 'btn btn-small btn-danger-outline credential-delete'}, 'Delete');
    remove.addEventListener('click', async () => {
      if (remove.dataset.armed !== 'yes') {
        remove.dataset.armed = 'yes';
        remove.textContent = 'Click again to delete';
        return;
      }
      remove.disabled = true;
      try {
        await api('DELETE', `/api/credentials/${enc(c.id)}`);
        load();
      } catch (e) {
        show(listErrors, errorBanner(e, 'Could not delete'));
        remove.disabled = false;
      }
    });
    actions.push(remove);
    tr = h('tr', {'data-credential-id': c.id},
      h('td', {class: 'credential-name'}, c.name),
      h('td', {}, typeName(c.type)),
      h('td', {}, h('code', {}, c.id)),
      h('td', {}, c.owner ?? ''),
      h('td', {}, formatTime(c.updatedAt)),
      h('td', {class: 'actions'}, ...actions));
    return tr;
  };

  form.addEventListener('submit', async event => {
    event.preventDefault();
    show(errors);
    if (!name.value.trim()) return show(errors, notice('Give the credential a name.', 'error'));
    if (!type.value) return show(errors, notice('Choose a type.', 'error'));
    const data = {};
    for (const [field, {input, optional}] of Object.entries(inputs)) {
      if (optional && input.value === '') continue;
      data[field] = input.value;
    }
    submit.disabled = true;
    try {
      const created = await api('POST', '/api/credentials', {json: {name: name.value.trim(), type: type.value, data}});
      // The secret leaves the page: nothing typed stays in the form.
      name.value = '';
      Object.values(inputs).forEach(({input}) => { input.value = ''; });
      show(errors, notice(`Credential “${created.name}” stored (id ${created.id}).`, 'ok'));
      load();
    } catch (e) {
      show(errors, errorBanner(e, 'Could not store the credential'));
    } finally {
      submit.disabled = false;
    }
  });

  try {
    const body = await api('GET', '/api/credentials/types');
    if (!ctx.alive()) return;
    types = body?.types ?? [];
    type.replaceChildren(...types.map(t => h('option', {value: t.type}, typeName(t.type))));
    renderFields();
  } catch (e) {
    if (!ctx.alive()) return;
    type.replaceChildren(h('option', {value: ''}, 'unavailable'));
    show(errors, errorBanner(e, 'Could not load the credential types'));
  }
  await load();
}
