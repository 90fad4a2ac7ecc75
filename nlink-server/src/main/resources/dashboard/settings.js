// Settings: Community Store (Scaffold WASM), API keys, your password, Users (owner and admins).
import {api, enc, ApiError} from './api.js';
import {h, errorBanner, notice, show, formatTime, dispositionFilename, copyButton} from './dom.js';
import {state, managesUsers} from './app.js';

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

// ---- Your password ----------------------------------------------------------------------------------

export function passwordPage(main) {
  const errors = h('div', {});
  const current = h('input', {id: 'password-current', type: 'password', required: true, autocomplete: 'current-password'});
  const fresh = h('input', {id: 'password-new', type: 'password', required: true, autocomplete: 'new-password'});
  const repeat = h('input', {id: 'password-repeat', type: 'password', required: true, autocomplete: 'new-password'});
  const submit = h('button', {type: 'submit', class: 'btn btn-primary', id: 'password-submit'}, 'Change password');
  const form = h('form', {class: 'form', novalidate: true},
    field('Current password', current), field('New password', fresh, 'At least 8 characters.'), field('Repeat the new password', repeat),
    h('div', {class: 'form-actions'}, submit), errors);
  form.addEventListener('submit', async event => {
    event.preventDefault();
    if (!current.value || !fresh.value) return show(errors, notice('Enter your current and your new password.', 'error'));
    if (fresh.value !== repeat.value) return show(errors, notice('The two new passwords differ.', 'error'));
    submit.disabled = true;
    try {
      await api('PUT', '/api/password', {json: {currentPassword: current.value, newPassword: fresh.value}});
      form.reset();
      show(errors, notice('Your password is changed. Your other sessions have been signed out.', 'ok'));
    } catch (e) {
      show(errors, errorBanner(e, 'Could not change the password'));
    } finally {
      submit.disabled = false;
    }
  });
  settingsPage(main, 'Your password', 'Changing it signs out your other browsers; your API keys keep working.',
    h('section', {class: 'panel'}, h('div', {class: 'panel-body'}, form)));
}

// ---- Users (owner and admins) ----------------------------------------------------------------------

/**
 * The controls for one account: role, disable or enable, a reset link, remove. None for the owner
 * account or your own, which nobody may change here (the server refuses them too).
 */
function userActions(u, errors, linkSlot, reload, users) {
  if (u.role === 'owner' || u.username === state.user?.username) return h('span', {class: 'muted small'}, '—');
  const patch = async (json, what) => {
    try {
      await api('PATCH', `/api/users/${enc(u.id)}`, {json});
      reload();
    } catch (e) {
      show(errors, errorBanner(e, `Could not ${what}`));
    }
  };
  const role = h('select', {class: 'user-role-select', 'aria-label': `Role of ${u.username}`},
    ['member', 'admin'].map(r => h('option', {value: r, selected: r === u.role}, r)));
  role.addEventListener('change', () => patch({role: role.value}, 'change the role'));
  const toggle = h('button', {type: 'button', class: 'btn btn-small user-disable'}, u.disabled ? 'Enable' : 'Disable');
  toggle.addEventListener('click', () => patch({disabled: !u.disabled}, u.disabled ? 'enable the account' : 'disable the account'));
  const reset = h('button', {type: 'button', class: 'btn btn-small user-reset', disabled: u.disabled}, 'Reset link');
  reset.addEventListener('click', async () => {
    try {
      const link = await api('POST', `/api/users/${enc(u.id)}/password-reset`);
      const url = `${location.origin}/${link.path.replace(/^\//, '')}`;
      show(linkSlot, h('div', {class: 'banner banner-ok', role: 'status', id: 'reset-link'},
        h('div', {class: 'banner-title'}, `A one-time link for ${u.username}: hand it over privately. It works once, until ${formatTime(link.expiresAt)}.`),
        h('div', {class: 'secret-row'}, h('code', {class: 'secret'}, url), copyButton(() => url))));
    } catch (e) {
      show(errors, errorBanner(e, 'Could not make a reset link'));
    }
  });
  const remove = h('button', {type: 'button', class: 'btn btn-small btn-danger-outline user-remove'}, 'Remove');
  // Who receives its workflows and credentials: the owner unless another enabled account is chosen.
  const heir = h('select', {class: 'user-transfer-to', hidden: true, 'aria-label': `Who receives the work of ${u.username}`},
    users.filter(o => o.id !== u.id && !o.disabled).map(o => h('option', {value: o.id, selected: o.role === 'owner'}, `work to ${o.username}`)));
  remove.addEventListener('click', async () => {
    if (remove.dataset.armed !== 'yes') {
      remove.dataset.armed = 'yes';
      remove.textContent = 'Click again to remove';
      heir.hidden = false;
      return;
    }
    remove.disabled = true;
    try {
      await api('DELETE', `/api/users/${enc(u.id)}${heir.value ? `?transferTo=${enc(heir.value)}` : ''}`);
      reload();
    } catch (e) {
      show(errors, errorBanner(e, 'Could not remove the account'));
      remove.disabled = false;
    }
  });
  return [role, ' ', toggle, ' ', reset, ' ', heir, ' ', remove];
}

export async function usersPage(main, ctx) {
  if (!managesUsers()) {
    settingsPage(main, 'Users', null, errorBanner(new ApiError(403, 'Only the owner and admins manage users.', null)));
    return;
  }
  const listSlot = h('div', {}, h('p', {class: 'muted panel-body'}, 'Loading…'));
  const listErrors = h('div', {});
  const linkSlot = h('div', {});
  const errors = h('div', {});
  const username = h('input', {id: 'user-username', type: 'text', required: true, autocomplete: 'off'});
  const password = h('input', {id: 'user-password', type: 'password', required: true, autocomplete: 'new-password'});
  const role = h('select', {id: 'user-role'},
    h('option', {value: 'member'}, 'member'),
    h('option', {value: 'admin'}, 'admin'));
  const submit = h('button', {type: 'submit', class: 'btn btn-primary', id: 'user-submit'}, 'Create user');
  const form = h('form', {class: 'form', novalidate: true},
    h('div', {class: 'form-row'}, field('Username', username), field('Password', password),
      field('Role', role, 'Members use the Community Store and see only their own workflows, executions and credentials and those shared with them; admins also manage nodes, users and everyone\u2019s workflows.')),
    h('div', {class: 'form-actions'}, submit), errors);

  settingsPage(main, 'Users', 'People who can sign in to this server. Disabling or removing an account signs it out at once and ends its API keys; a removed account\u2019s workflows and credentials pass to the owner, or to the account you choose.',
    h('section', {class: 'panel'}, h('div', {class: 'panel-head'}, h('h2', {}, 'Accounts')), h('div', {class: 'panel-body'}, listErrors, linkSlot), listSlot),
    h('section', {class: 'panel'}, h('div', {class: 'panel-head'}, h('h2', {}, 'Add a user')), h('div', {class: 'panel-body'}, form)));

  const load = async () => {
    try {
      const answer = await api('GET', '/api/users');
      if (!ctx.alive()) return;
      const users = Array.isArray(answer) ? answer : [];
      show(listSlot, h('table', {class: 'table', id: 'users-table'},
        h('thead', {}, h('tr', {}, ['Username', 'Role', 'Status', 'Created', ''].map(t => h('th', {}, t)))),
        h('tbody', {}, users.map(u => h('tr', {dataset: {user: u.username}},
          h('td', {}, h('strong', {}, u.username), u.username === state.user?.username ? h('span', {class: 'muted'}, ' (you)') : null),
          h('td', {}, h('span', {class: `badge badge-role-${u.role}`}, u.role)),
          h('td', {}, u.disabled ? h('span', {class: 'badge badge-disabled'}, 'disabled') : 'active'),
          h('td', {}, formatTime(u.createdAt)),
          h('td', {class: 'actions'}, userActions(u, listErrors, linkSlot, load, users)))))));
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
