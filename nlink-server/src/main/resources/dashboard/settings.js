// Settings: Community Store (Scaffold WASM), API keys, Users (owner only).
import {api, enc, ApiError} from './api.js';
import {h, errorBanner, notice, show, formatTime, dispositionFilename, copyButton} from './dom.js';
import {state} from './app.js';

function settingsPage(main, title, intro, ...sections) {
  document.title = `${title} · Settings · nLink`;
  main.append(h('div', {class: 'page page-narrow'},
    h('div', {class: 'breadcrumbs'}, 'Settings'),
    h('div', {class: 'page-head'}, h('div', {}, h('h1', {}, title), intro ? h('p', {class: 'muted'}, intro) : null)),
    ...sections));
}

function field(label, input, help) {
  return h('label', {class: 'field'}, h('span', {class: 'field-label'}, label), input,
    help ? h('span', {class: 'field-help'}, help) : null);
}

// ---- Community Store > Scaffold WASM -----------------------------------------------------------------

export async function scaffoldPage(main, ctx) {
  const result = h('div', {id: 'scaffold-result'});
  const name = h('input', {id: 'scaffold-name', type: 'text', required: true, autocomplete: 'off', spellcheck: 'false', placeholder: 'my_node'});
  const displayName = h('input', {id: 'scaffold-display-name', type: 'text', autocomplete: 'off', placeholder: 'My Node'});
  const description = h('textarea', {id: 'scaffold-description', rows: 2, placeholder: 'What the node does, in one sentence.'});
  const language = h('select', {id: 'scaffold-language', required: true}, h('option', {value: ''}, 'Loading…'));
  const submit = h('button', {type: 'submit', class: 'btn btn-primary', id: 'scaffold-submit'}, 'Scaffold WASM');
  const form = h('form', {class: 'form', novalidate: true, id: 'scaffold-form'},
    field('Node name', name, 'Lower-case letters, digits, "_", "." and "-", starting with a letter or "_"; the package becomes nlink-community.<name>.'),
    field('Display name', displayName, 'Shown in the editor; defaults to the name.'),
    field('Description', description),
    field('Language', language, 'The source template: memory hooks, build.sh, golden vectors and a README.'),
    h('div', {class: 'form-actions'}, submit),
    result);

  settingsPage(main, 'Community Store',
    'Scaffold a new WebAssembly node: nLink generates definition.json, package.json and the source with the memory hooks pre-configured. Download the ZIP, add your logic, build, and upload it to the Community Store.',
    h('section', {class: 'panel'}, h('div', {class: 'panel-head'}, h('h2', {}, 'Scaffold WASM')), h('div', {class: 'panel-body'}, form)));

  form.addEventListener('submit', async event => {
    event.preventDefault();
    if (!name.value.trim()) return show(result, notice('Enter a node name.', 'error'));
    if (!language.value) return show(result, notice('Choose a language.', 'error'));
    submit.disabled = true;
    show(result);
    try {
      const response = await api('POST', '/api/scaffold', {raw: true, json: {
        name: name.value.trim(), displayName: displayName.value.trim() || undefined,
        description: description.value.trim() || undefined, language: language.value}});
      const blob = await response.blob();
      const filename = dispositionFilename(response.headers.get('Content-Disposition'), `nlink-community.${name.value.trim()}.zip`);
      const url = URL.createObjectURL(blob);
      const link = h('a', {href: url, download: filename, class: 'hidden-link'});
      document.body.append(link);
      link.click();
      link.remove();
      setTimeout(() => URL.revokeObjectURL(url), 60000);
      show(result, h('div', {class: 'banner banner-ok', role: 'status', id: 'scaffold-done'},
        'Downloaded ', h('strong', {}, filename), ` (${Math.max(1, Math.round(blob.size / 1024))} KiB). Unzip it, add your logic, run build.sh, then upload the package ZIP.`));
    } catch (e) {
      show(result, errorBanner(e, 'Could not scaffold'));
    } finally {
      submit.disabled = false;
    }
  });

  try {
    const languages = await api('GET', '/api/scaffold/languages');
    if (!ctx.alive()) return;
    language.replaceChildren(...(Array.isArray(languages) ? languages : []).map(l => h('option', {value: l.id}, l.displayName ?? l.id)));
    if ([...language.options].some(o => o.value === 'go')) language.value = 'go';
  } catch (e) {
    if (!ctx.alive()) return;
    language.replaceChildren(h('option', {value: ''}, 'unavailable'));
    show(result, errorBanner(e, 'Could not load the languages'));
  }
}

// ---- API keys ---------------------------------------------------------------------------------------------

export async function apiKeysPage(main, ctx) {
  const listSlot = h('div', {}, h('p', {class: 'muted panel-body'}, 'Loading…'));
  const created = h('div', {id: 'api-key-created'});
  const errors = h('div', {});
  const name = h('input', {id: 'api-key-name', type: 'text', required: true, autocomplete: 'off', placeholder: 'CI pipeline'});
  const submit = h('button', {type: 'submit', class: 'btn btn-primary', id: 'api-key-submit'}, 'Create key');
  const form = h('form', {class: 'form form-inline', novalidate: true}, field('Name', name), submit);

  settingsPage(main, 'API keys',
    'Keys let scripts call the REST API as you: send "Authorization: Bearer <key>". A key is shown once, when it is created.',
    h('section', {class: 'panel'}, h('div', {class: 'panel-head'}, h('h2', {}, 'Create a key')),
      h('div', {class: 'panel-body'}, form, errors, created)),
    h('section', {class: 'panel'}, h('div', {class: 'panel-head'}, h('h2', {}, 'Your keys')), listSlot));

  const load = async () => {
    try {
      const keys = await api('GET', '/api/api-keys');
      if (!ctx.alive()) return;
      if (!Array.isArray(keys) || !keys.length) return show(listSlot, h('div', {class: 'empty'}, 'No API keys.'));
      show(listSlot, h('table', {class: 'table', id: 'api-keys-table'},
        h('thead', {}, h('tr', {}, ['Name', 'Key', 'Created', 'Last used', ''].map(t => h('th', {}, t)))),
        h('tbody', {}, keys.map(k => {
          const revoke = h('button', {type: 'button', class: 'btn btn-small btn-danger-outline'}, 'Revoke');
          revoke.addEventListener('click', async () => {
            if (revoke.dataset.armed !== 'yes') {
              revoke.dataset.armed = 'yes';
              revoke.textContent = 'Click again to revoke';
              return;
            }
            revoke.disabled = true;
            try {
              await api('DELETE', `/api/api-keys/${enc(k.id)}`);
              load();
            } catch (e) {
              show(errors, errorBanner(e, 'Could not revoke'));
              revoke.disabled = false;
            }
          });
          return h('tr', {},
            h('td', {}, k.name),
            h('td', {}, h('code', {}, `${k.prefix ?? ''}…`)),
            h('td', {}, formatTime(k.createdAt)),
            h('td', {}, k.lastUsedAt ? formatTime(k.lastUsedAt) : h('span', {class: 'muted'}, 'never')),
            h('td', {class: 'actions'}, revoke));
        }))));
    } catch (e) {
      if (ctx.alive()) show(listSlot, errorBanner(e, 'Could not list the keys'));
    }
  };

  form.addEventListener('submit', async event => {
    event.preventDefault();
    show(errors);
    if (!name.value.trim()) return show(errors, notice('Give the key a name.', 'error'));
    submit.disabled = true;
    try {
      const key = await api('POST', '/api/api-keys', {json: {name: name.value.trim()}});
      name.value = '';
      const secret = h('code', {class: 'secret', id: 'api-key-secret'}, key.key);
      show(created, h('div', {class: 'banner banner-ok', role: 'status'},
        h('div', {class: 'banner-title'}, `Key “${key.name}” created. Copy it now: it will not be shown again.`),
        h('div', {class: 'secret-row'}, secret, copyButton(() => key.key))));
      load();
    } catch (e) {
      show(errors, errorBanner(e, 'Could not create the key'));
    } finally {
      submit.disabled = false;
    }
  });

  await load();
}

// ---- Users (owner) ---------------------------------------------------------------------------------------

export async function usersPage(main, ctx) {
  if (state.user?.role !== 'owner') {
    settingsPage(main, 'Users', null, errorBanner(new ApiError(403, 'Only the owner manages users.', null)));
    return;
  }
  const listSlot = h('div', {}, h('p', {class: 'muted panel-body'}, 'Loading…'));
  const errors = h('div', {});
  const username = h('input', {id: 'user-username', type: 'text', required: true, autocomplete: 'off'});
  const password = h('input', {id: 'user-password', type: 'password', required: true, autocomplete: 'new-password'});
  const role = h('select', {id: 'user-role'},
    h('option', {value: 'member'}, 'member'),
    h('option', {value: 'admin'}, 'admin'));
  const submit = h('button', {type: 'submit', class: 'btn btn-primary', id: 'user-submit'}, 'Create user');
  const form = h('form', {class: 'form', novalidate: true},
    h('div', {class: 'form-row'}, field('Username', username), field('Password', password),
      field('Role', role, 'Members browse and test-run nodes; admins also upload and remove them.')),
    h('div', {class: 'form-actions'}, submit), errors);

  settingsPage(main, 'Users', 'People who can sign in to this server.',
    h('section', {class: 'panel'}, h('div', {class: 'panel-head'}, h('h2', {}, 'Accounts')), listSlot),
    h('section', {class: 'panel'}, h('div', {class: 'panel-head'}, h('h2', {}, 'Add a user')), h('div', {class: 'panel-body'}, form)));

  const load = async () => {
    try {
      const users = await api('GET', '/api/users');
      if (!ctx.alive()) return;
      show(listSlot, h('table', {class: 'table', id: 'users-table'},
        h('thead', {}, h('tr', {}, ['Username', 'Role', 'Created'].map(t => h('th', {}, t)))),
        h('tbody', {}, (Array.isArray(users) ? users : []).map(u => h('tr', {},
          h('td', {}, h('strong', {}, u.username), u.username === state.user?.username ? h('span', {class: 'muted'}, ' (you)') : null),
          h('td', {}, h('span', {class: `badge badge-role-${u.role}`}, u.role)),
          h('td', {}, formatTime(u.createdAt)))))));
    } catch (e) {
      if (ctx.alive()) show(listSlot, errorBanner(e, 'Could not list the users'));
    }
  };

  form.addEventListener('submit', async event => {
    event.preventDefault();
    show(errors);
    if (!username.value.trim() || !password.value) return show(errors, notice('Enter a username and a password.', 'error'));
    submit.disabled = true;
    try {
      const user = await api('POST', '/api/users', {json: {username: username.value.trim(), password: password.value, role: role.value}});
      username.value = '';
      password.value = '';
      show(errors, notice(`${user?.username ?? 'The user'} can now sign in.`, 'ok'));
      load();
    } catch (e) {
      show(errors, errorBanner(e, 'Could not create the user'));
    } finally {
      submit.disabled = false;
    }
  });

  await load();
}
