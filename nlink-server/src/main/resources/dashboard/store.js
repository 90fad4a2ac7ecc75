// Community Store: the installed nodes and the upload form.
import {api, enc} from './api.js';
import {h, errorBanner, notice, show} from './dom.js';
import {state, go} from './app.js';

export const canManage = () => state.user?.role === 'owner' || state.user?.role === 'admin';

export const nodeHash = (name, version) => `#/nodes/${enc(name)}/${enc(version)}`;

export async function storePage(main, ctx) {
  document.title = 'Community Store · nLink';
  const listSlot = h('div', {}, h('p', {class: 'muted'}, 'Loading…'));
  main.append(h('div', {class: 'page'},
    h('div', {class: 'page-head'},
      h('div', {}, h('h1', {}, 'Community Store'),
        h('p', {class: 'muted'}, 'Community nodes installed on this server. Each runs as WebAssembly in a sandbox: no files, no network, no environment, bounded memory.'))),
    uploadSection(),
    h('section', {class: 'panel'}, h('div', {class: 'panel-head'}, h('h2', {}, 'Installed nodes')), listSlot)));

  try {
    const data = await api('GET', '/api/nodes');
    if (!ctx.alive()) return;
    const nodes = Array.isArray(data?.nodes) ? data.nodes : [];
    if (!nodes.length) {
      show(listSlot, h('div', {class: 'empty'}, h('p', {}, 'No community nodes yet.'),
        h('p', {class: 'muted'}, canManage()
          ? 'Upload a package ZIP above, or scaffold a new node under Settings › Community Store.'
          : 'An owner or admin can upload package ZIPs.')));
      return;
    }
    show(listSlot, h('table', {class: 'table', id: 'nodes-table'},
      h('thead', {}, h('tr', {}, ['Node', 'Package', 'Latest', 'Other versions', 'Description'].map(t => h('th', {}, t)))),
      h('tbody', {}, nodes.map(n => {
        const versions = Array.isArray(n.versions) ? n.versions : [];
        const others = versions.filter(v => v !== n.latestVersion);
        return h('tr', {dataset: {node: n.name}},
          h('td', {}, h('a', {href: nodeHash(n.name, n.latestVersion), class: 'strong'}, n.displayName || n.name)),
          h('td', {}, h('code', {}, n.name)),
          h('td', {}, h('a', {href: nodeHash(n.name, n.latestVersion), class: 'version'}, n.latestVersion)),
          h('td', {}, others.length
            ? others.map((v, i) => [i ? ' ' : null, h('a', {href: nodeHash(n.name, v), class: 'version version-muted'}, v)])
            : h('span', {class: 'muted'}, '—')),
          h('td', {class: 'description'}, n.description || ''));
      }))));
  } catch (e) {
    if (ctx.alive()) show(listSlot, errorBanner(e, 'Could not list the nodes'));
  }
}

function uploadSection() {
  if (!canManage()) {
    return h('section', {class: 'panel'}, h('div', {class: 'panel-body muted'},
      'Only the owner and admins can upload packages.'));
  }
  const result = h('div', {id: 'upload-result'});
  const file = h('input', {type: 'file', id: 'upload-file', name: 'package', accept: '.zip,application/zip', required: true});
  const submit = h('button', {type: 'submit', class: 'btn btn-primary', id: 'upload-submit'}, 'Upload');
  const form = h('form', {class: 'upload-form', novalidate: true},
    h('label', {class: 'file-drop'}, file,
      h('span', {class: 'muted'}, 'A node package ZIP (nlink pack), with definition.json, package.json and execution.wasm.')),
    submit);
  form.addEventListener('submit', async event => {
    event.preventDefault();
    const chosen = file.files?.[0];
    if (!chosen) return show(result, notice('Choose a package ZIP first.', 'error'));
    const body = new FormData();
    body.append('package', chosen, chosen.name);
    submit.disabled = true;
    submit.textContent = 'Uploading…';
    show(result, notice(`Checking ${chosen.name}: unpacking, validating the module and running its golden vectors…`));
    try {
      const installed = await api('POST', '/api/nodes', {body});
      go(nodeHash(installed.name, installed.version));
    } catch (e) {
      const title = e.status === 422 ? `${chosen.name} was refused`
        : e.status === 409 ? 'A different package with this name and version is installed'
        : e.status === 413 ? `${chosen.name} is too large`
        : 'Upload failed';
      show(result, errorBanner(e, title));
    } finally {
      submit.disabled = false;
      submit.textContent = 'Upload';
    }
  });
  return h('section', {class: 'panel'},
    h('div', {class: 'panel-head'}, h('h2', {}, 'Upload a node')),
    h('div', {class: 'panel-body'}, form, result));
}
