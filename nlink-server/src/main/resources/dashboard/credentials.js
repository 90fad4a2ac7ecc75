// Credentials: the list (with a form to add one) and one credential's page, with its shares. A
// credential's secret is never shown, not even to its owner: new data replaces it whole.
import {api, enc} from './api.js';
import {h, errorBanner, notice, show, formatTime} from './dom.js';
import {go, managesUsers} from './app.js';
import {sharing} from './shares.js';

const credentialHash = id => `#/credentials/${encodeURIComponent(id)}`;

function field(label, input, help) {
  return h('label', {class: 'field'}, h('span', {class: 'field-label'}, label), input, help ? h('span', {class: 'field-help'}, help) : null);
}

/**
 * A type select and, below it, one input per field of the chosen type (GET /api/credentials/types):
 * `element` to show, `type()` and `data()` to read them.
 */
function typeAndData(types, prefix, initial) {
  const select = h('select', {id: `${prefix}-type`, value: initial}, types.map(t => h('option', {value: t.type}, t.type)));
  const fieldsSlot = h('div', {class: 'form-row-2'});
  const inputs = new Map();
  const paint = () => {
    inputs.clear();
    const chosen = types.find(t => t.type === select.value);
    show(fieldsSlot, (Array.isArray(chosen?.fields) ? chosen.fields : []).map(f => {
      // Every field may be a secret: none is echoed on screen.
      const input = h('input', {type: 'password', id: `${prefix}-field-${f}`, autocomplete: 'off', dataset: {field: f}});
      inputs.set(String(f), input);
      return field(String(f), input);
    }));
  };
  select.addEventListener('change', paint);
  paint();
  return {
    element: [field('Type', select), fieldsSlot],
    type: () => select.value,
    data: () => Object.fromEntries([...inputs].map(([f, input]) => [f, input.value])),
  };
}

export async function credentialsPage(main, ctx) {
  document.title = 'Credentials · nLink';
  const listSlot = h('div', {}, h('p', {class: 'muted panel-body'}, 'Loading…'));
  const formSlot = h('div', {class: 'panel-body'});
  main.append(h('div', {class: 'page'},
    h('div', {class: 'page-head'}, h('div', {}, h('h1', {}, 'Credentials'),
      h('p', {class: 'muted'}, 'Secrets that nodes send to other services. Each belongs to one account; its owner may share it with others, who may then use it in workflows of their own. Nobody sees a secret once it is stored.'))),
    h('section', {class: 'panel'}, h('div', {class: 'panel-head'}, h('h2', {}, managesUsers() ? 'All credentials' : 'Your credentials and those shared with you')), listSlot),
    h('section', {class: 'panel'}, h('div', {class: 'panel-head'}, h('h2', {}, 'Add a credential')), formSlot)));

  try {
    const [data, types] = await Promise.all([api('GET', '/api/credentials'), api('GET', '/api/credentials/types')]);
    if (!ctx.alive()) return;
    const credentials = Array.isArray(data?.credentials) ? data.credentials : [];
    show(listSlot, credentials.length ? h('table', {class: 'table', id: 'credentials-table'},
      h('thead', {}, h('tr', {}, ['Credential', 'Type', 'Owner', 'Updated'].map(t => h('th', {}, t)))),
      h('tbody', {}, credentials.map(c => h('tr', {dataset: {credential: c.id}},
        h('td', {}, h('a', {href: credentialHash(c.id), class: 'strong'}, c.name)),
        h('td', {}, h('code', {}, c.type)),
        h('td', {}, c.owner ?? '—', c.mayManage === false ? [' ', h('span', {class: 'badge'}, 'shared with you')] : null),
        h('td', {}, formatTime(c.updatedAt))))))
      : h('div', {class: 'empty'}, h('p', {}, 'No credentials yet.')));
    show(formSlot, createForm(Array.isArray(types?.types) ? types.types : []));
  } catch (e) {
    if (ctx.alive()) show(listSlot, h('div', {class: 'panel-body'}, errorBanner(e, 'Could not list the credentials')));
  }
}

function createForm(types) {
  const errors = h('div', {});
  const name = h('input', {type: 'text', id: 'credential-name', required: true, autocomplete: 'off'});
  const chosen = typeAndData(types, 'credential');
  const submit = h('button', {type: 'submit', class: 'btn btn-primary', id: 'credential-submit'}, 'Add credential');
  const form = h('form', {class: 'form', novalidate: true}, field('Name', name, 'Workflows name it by this name or by its id.'), chosen.element,
    h('div', {class: 'form-actions'}, submit), errors);
  form.addEventListener('submit', async event => {
    event.preventDefault();
    if (!name.value.trim()) return show(errors, notice('Give the credential a name.', 'error'));
    submit.disabled = true;
    try {
      const created = await api('POST', '/api/credentials', {json: {name: name.value.trim(), type: chosen.type(), data: chosen.data()}});
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
  // Change, Delete, Share and Transfer only for whoever may manage it: a sharee only uses it.
  const shares = sharing('credential', c, {onTransferred: () => go(credentialHash(c.id))});
  show(page,
    h('div', {class: 'breadcrumbs'}, h('a', {href: '#/credentials'}, 'Credentials'), ' / ', c.name),
    h('div', {class: 'page-head'},
      h('div', {}, h('h1', {id: 'credential-title'}, c.name),
        h('p', {class: 'muted'}, h('code', {}, c.type), ` · id ${c.id} · owned by ${c.owner ?? '—'} · updated ${formatTime(c.updatedAt)}`),
        shares.line),
      h('div', {class: 'head-actions'}, shares.button, shares.dialog, c.mayManage ? deleteButton(c) : null)),
    c.mayManage ? editPanel(c, Array.isArray(types?.types) ? types.types : [])
      : h('section', {class: 'panel'}, h('div', {class: 'panel-body', id: 'credential-use-only'},
        h('p', {}, 'Shared with you: you may use it in workflows of your own. Only its owner, the server\u2019s owner or an admin may change, share or delete it.'))));
}

function editPanel(c, types) {
  const errors = h('div', {});
  const name = h('input', {type: 'text', id: 'credential-edit-name', value: c.name, required: true, autocomplete: 'off'});
  const replace = h('input', {type: 'checkbox', id: 'credential-edit-replace'});
  const chosen = typeAndData(types, 'credential-edit', c.type);
  const dataSlot = h('div', {hidden: true}, chosen.element);
  replace.addEventListener('change', () => { dataSlot.hidden = !replace.checked; });
  const submit = h('button', {type: 'submit', class: 'btn btn-primary', id: 'credential-edit-submit'}, 'Save');
  const form = h('form', {class: 'form', novalidate: true, id: 'credential-edit'}, field('Name', name),
    h('label', {class: 'inline-label'}, replace, ' Replace the secret (the stored one is never shown)'), dataSlot,
    h('div', {class: 'form-actions'}, submit), errors);
  form.addEventListener('submit', async event => {
    event.preventDefault();
    const body = {name: name.value.trim()};
    if (replace.checked) Object.assign(body, {type: chosen.type(), data: chosen.data()});
    submit.disabled = true;
    try {
      await api('PUT', `/api/credentials/${enc(c.id)}`, {json: body});
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
