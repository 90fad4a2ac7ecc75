// Sharing a workflow or a credential with named accounts: who owns it, who it is shared with and,
// for whoever may manage it (its owner, the server's owner and admins: `mayManage` in the server's
// answer), a dialog to change that or hand it to another account. This only decides what the page
// offers; the server decides who may (Policy, docs/security.md) and refuses the rest anyway.
import {api, enc} from './api.js';
import {h, errorBanner, notice, show} from './dom.js';
import {state} from './app.js';

const BASE = {workflow: '/api/workflows', credential: '/api/credentials'};

/**
 * What a page shows of `item` ({id, name, owner, mayManage}) of `kind` ('workflow' or
 * 'credential'): `line`, which says who it is shared with (filled in when it loads), and, when the
 * caller may manage it, `button` and `dialog` (else both null). `onTransferred` runs after a
 * transfer, whose new owner may have taken the caller's right to manage it.
 */
export function sharing(kind, item, {onTransferred} = {}) {
  const path = `${BASE[kind]}/${enc(item.id)}`;
  const line = h('p', {class: 'muted small share-line', id: `${kind}-shared-with`}, 'Loading who it is shared with…');
  let current = null;

  const paint = shares => {
    current = shares;
    const names = (Array.isArray(shares?.sharedWith) ? shares.sharedWith : []).map(s => String(s.username));
    const mine = names.includes(state.user?.username);
    show(line,
      mine && !item.mayManage ? h('span', {class: 'badge', id: `${kind}-shared-badge`}, `shared with you by ${shares.owner?.username ?? '?'}`) : null,
      mine && !item.mayManage ? ' ' : null,
      names.length ? ['Shared with ', names.map((n, i) => [i ? ', ' : '', h('strong', {class: 'sharee'}, n)])] : 'Not shared with anyone.');
  };
  const load = async () => {
    try {
      paint(await api('GET', `${path}/shares`));
    } catch (e) {
      show(line, h('span', {class: 'error-text'}, `Could not read who it is shared with: ${e.message}`));
    }
  };
  load();
  if (!item.mayManage) return {line, button: null, dialog: null};

  const dialog = h('dialog', {class: 'dialog', id: `${kind}-share-dialog`});
  const button = h('button', {type: 'button', class: 'btn', id: `${kind}-share`}, 'Share');
  button.addEventListener('click', () => {
    const wanted = (current?.sharedWith ?? []).map(s => String(s.username));
    const errors = h('div', {});
    const list = h('ul', {class: 'share-list', id: 'share-list'});
    const paintList = () => show(list, wanted.length ? wanted.map(name => {
      const remove = h('button', {type: 'button', class: 'btn btn-small share-remove', 'aria-label': `Stop sharing with ${name}`}, 'Remove');
      remove.addEventListener('click', () => { wanted.splice(wanted.indexOf(name), 1); paintList(); });
      return h('li', {dataset: {user: name}}, h('span', {}, name), remove);
    }) : h('li', {class: 'muted'}, 'Nobody yet.'));
    const name = h('input', {type: 'text', id: 'share-name', autocomplete: 'off', 'aria-label': 'Account name to share with', placeholder: 'account name'});
    const add = h('button', {type: 'submit', class: 'btn btn-small', id: 'share-add'}, 'Add');
    const addForm = h('form', {class: 'share-add', novalidate: true}, name, add);
    addForm.addEventListener('submit', event => {
      event.preventDefault();
      const n = name.value.trim();
      if (!n) return show(errors, notice('Type the name of an account.', 'error'));
      if (n === current?.owner?.username) return show(errors, notice(`${n} owns it already.`, 'error'));
      show(errors);
      if (!wanted.includes(n)) wanted.push(n);
      name.value = '';
      paintList();
    });
    const save = h('button', {type: 'button', class: 'btn btn-primary', id: 'share-save'}, 'Save');
    save.addEventListener('click', async () => {
      save.disabled = true;
      try {
        paint(await api('PUT', `${path}/shares`, {json: {users: wanted}}));
        dialog.close();
      } catch (e) {
        show(errors, errorBanner(e, 'Could not change who it is shared with'));
      } finally {
        save.disabled = false;
      }
    });
    const to = h('input', {type: 'text', id: 'transfer-to', autocomplete: 'off', 'aria-label': 'Account name to transfer to', placeholder: 'account name'});
    const transfer = h('button', {type: 'button', class: 'btn btn-danger-outline', id: 'transfer-submit'}, 'Transfer');
    transfer.addEventListener('click', async () => {
      if (!to.value.trim()) return show(errors, notice('Type the name of the account that is to own it.', 'error'));
      transfer.disabled = true;
      try {
        await api('POST', `${path}/transfer`, {json: {to: to.value.trim()}});
        dialog.close();
        onTransferred?.();
      } catch (e) {
        show(errors, errorBanner(e, 'Could not transfer it'));
      } finally {
        transfer.disabled = false;
      }
    });
    const cancel = h('button', {type: 'button', class: 'btn'}, 'Cancel');
    cancel.addEventListener('click', () => dialog.close());
    paintList();
    show(dialog,
      h('h2', {}, `Share ${item.name}`),
      h('p', {class: 'small'}, kind === 'workflow'
        ? 'Whoever it is shared with may view, edit and run it and see its executions; deleting, sharing and transferring stay with its owner, the server\u2019s owner and admins.'
        : 'Whoever it is shared with may use it in workflows of their own; nobody sees its secret, and changing, deleting, sharing and transferring stay with its owner, the server\u2019s owner and admins.'),
      list, addForm, errors,
      h('div', {class: 'dialog-actions'}, cancel, save),
      h('h3', {class: 'share-transfer-head'}, 'Transfer ownership'),
      h('p', {class: 'small muted'}, `The account named becomes its owner; ${current?.owner?.username ?? 'the present owner'} keeps a share.`),
      h('div', {class: 'share-add'}, to, transfer));
    dialog.showModal();
    name.focus();
  });
  return {line, button, dialog};
}
