// The nLink dashboard: a hash-routed single page. No build step, no third-party code.
import {api, onUnauthorized, setCsrfToken} from './api.js';
import {h, clear} from './dom.js';
import {setupPage, loginPage, resetPasswordPage} from './auth.js';
import {storePage} from './store.js';
import {nodePage} from './node.js';
import {scaffoldPage, apiKeysPage, usersPage, passwordPage} from './settings.js';
import {workflowsPage, workflowPage} from './workflows.js';
import {executionsPage, executionPage} from './executions.js';
import {credentialsPage} from './credentials.js';

/** What the pages share: the signed-in user (null when signed out) and the server's health line. */
export const state = {user: null, setupRequired: false, health: null};

/**
 * Whether the signed-in account manages accounts (the owner and admins). Only decides what the
 * dashboard shows: the server refuses the rest anyway (docs/security.md, the role matrix).
 */
export const managesUsers = () => state.user?.role === 'owner' || state.user?.role === 'admin';

const root = document.getElementById('app');
let renderSerial = 0;

/** Parses location.hash: "#/nodes/a/1.0.0?x=1" → {path: "/nodes/a/1.0.0", parts: [...], query}. */
function currentRoute() {
  const raw = location.hash.replace(/^#/, '') || '/';
  const q = raw.indexOf('?');
  const path = q >= 0 ? raw.slice(0, q) : raw;
  const query = new URLSearchParams(q >= 0 ? raw.slice(q + 1) : '');
  const parts = path.split('/').filter(Boolean).map(p => {
    try { return decodeURIComponent(p); } catch { return p; }
  });
  return {path, parts, query};
}

export function go(hash) {
  if (location.hash === hash) render();
  else location.hash = hash;
}

/** Signs in (or sets up) with the session the server answered; then opens `next`. */
export function signedIn(session, next = '#/store') {
  state.user = session.user;
  state.setupRequired = false;
  setCsrfToken(session.csrfToken);
  go(next);
}

async function signOut() {
  try { await api('DELETE', '/api/session', {quiet401: true}); } catch { /* signed out either way */ }
  state.user = null;
  setCsrfToken(null);
  go('#/login');
}

/** Sign-in, coming back to the current page afterwards (or set-up while there is no owner). */
function toSignIn() {
  if (state.setupRequired) return go('#/setup');
  const here = location.hash;
  const back = here && here !== '#/' && here !== '#/store' && !here.startsWith('#/login') ? `?next=${encodeURIComponent(here)}` : '';
  go(`#/login${back}`);
}

onUnauthorized(body => {
  state.user = null;
  setCsrfToken(null);
  state.setupRequired = Boolean(body?.setupRequired);
  const {parts} = currentRoute();
  if (parts[0] === 'login' || parts[0] === 'setup' || parts[0] === 'reset-password') return;
  toSignIn();
});

const NAV = [
  {hash: '#/workflows', label: 'Workflows', match: p => p[0] === 'workflows'},
  {hash: '#/executions', label: 'Executions', match: p => p[0] === 'executions'},
  {hash: '#/credentials', label: 'Credentials', match: p => p[0] === 'credentials'},
  {hash: '#/store', label: 'Community Store', match: p => p[0] === 'store' || p[0] === 'nodes'},
  {heading: 'Settings'},
  {hash: '#/settings/store', label: 'Community Store', sub: 'Scaffold WASM', match: p => p[0] === 'settings' && p[1] === 'store'},
  {hash: '#/settings/api-keys', label: 'API keys', match: p => p[0] === 'settings' && p[1] === 'api-keys'},
  {hash: '#/settings/password', label: 'Your password', match: p => p[0] === 'settings' && p[1] === 'password'},
  {hash: '#/settings/users', label: 'Users', usersOnly: true, match: p => p[0] === 'settings' && p[1] === 'users'},
];

function shell(parts) {
  const main = h('main', {class: 'main', id: 'main'});
  const nav = h('nav', {class: 'sidebar', 'aria-label': 'Main'},
    h('a', {class: 'brand', href: '#/store'}, h('img', {src: '/favicon.svg', alt: '', width: 26, height: 26}), h('span', {}, 'nLink')),
    h('ul', {class: 'nav'}, NAV.filter(item => !item.usersOnly || managesUsers()).map(item => item.heading
      ? h('li', {class: 'nav-heading'}, item.heading)
      : h('li', {}, h('a', {href: item.hash, class: item.match(parts) ? 'active' : null, 'aria-current': item.match(parts) ? 'page' : null},
          item.label, item.sub ? h('span', {class: 'nav-sub'}, item.sub) : null)))),
    h('div', {class: 'sidebar-foot', id: 'health'}, healthLine()));
  const header = h('header', {class: 'topbar'},
    h('div', {class: 'topbar-title'}, 'Workflow automation · sandboxed WebAssembly nodes'),
    h('div', {class: 'topbar-user'},
      h('span', {class: 'avatar', 'aria-hidden': 'true'}, (state.user?.username ?? '?').slice(0, 1).toUpperCase()),
      h('span', {id: 'current-user', class: 'username'}, state.user?.username ?? ''),
      h('span', {class: 'badge'}, state.user?.role ?? ''),
      h('button', {type: 'button', class: 'btn btn-small', id: 'sign-out', onclick: signOut}, 'Sign out')));
  root.replaceChildren(h('div', {class: 'layout'}, nav, h('div', {class: 'content'}, header, main)));
  return main;
}

function healthLine() {
  const hl = state.health;
  if (!hl) return '';
  return `nLink ${hl.version ?? ''} · ${hl.database ?? ''}`;
}

async function loadHealth() {
  try {
    state.health = await api('GET', '/api/health', {quiet401: true});
    const slot = document.getElementById('health');
    if (slot) slot.textContent = healthLine();
  } catch { /* the footer stays empty */ }
}

/** A page that is only valid while its render is the newest (stale fetches must not paint). */
function pageContext(serial, query) {
  return {query, alive: () => serial === renderSerial};
}

async function render() {
  const serial = ++renderSerial;
  const {parts, query} = currentRoute();
  const ctx = pageContext(serial, query);

  if (parts[0] === 'setup') return setupPage(root, ctx);
  if (parts[0] === 'login') return loginPage(root, ctx);
  if (parts[0] === 'reset-password') return resetPasswordPage(root, ctx);

  if (!state.user) {
    try {
      const session = await api('GET', '/api/session', {quiet401: true});
      if (serial !== renderSerial) return;
      state.user = session.user;
      setCsrfToken(session.csrfToken);
    } catch (e) {
      if (serial !== renderSerial) return;
      if (e.status === 401) {
        state.setupRequired = Boolean(e.body?.setupRequired);
        toSignIn();
        return;
      }
      clear(root).append(h('div', {class: 'center-page'}, h('div', {class: 'card'},
        h('h1', {}, 'nLink'), h('p', {class: 'error-text'}, e.message))));
      return;
    }
  }

  const main = shell(parts);
  document.title = 'nLink';
  if (parts.length === 0 || parts[0] === 'store') return storePage(main, ctx);
  if (parts[0] === 'nodes' && parts.length >= 3) return nodePage(main, ctx, parts[1], parts[2]);
  if (parts[0] === 'nodes' && parts.length === 2) return nodePage(main, ctx, parts[1], null);
  if (parts[0] === 'workflows' && parts.length >= 2) return workflowPage(main, ctx, parts[1]);
  if (parts[0] === 'workflows') return workflowsPage(main, ctx);
  if (parts[0] === 'executions' && parts.length >= 2) return executionPage(main, ctx, parts[1]);
  if (parts[0] === 'executions') return executionsPage(main, ctx);
  if (parts[0] === 'credentials') return credentialsPage(main, ctx);
  if (parts[0] === 'settings') {
    if (!parts[1] || parts[1] === 'store') return scaffoldPage(main, ctx);
    if (parts[1] === 'api-keys') return apiKeysPage(main, ctx);
    if (parts[1] === 'users') return usersPage(main, ctx);
    if (parts[1] === 'password') return passwordPage(main, ctx);
  }
  main.append(h('div', {class: 'page'}, h('h1', {}, 'Not found'),
    h('p', {}, 'There is no page at this address. ', h('a', {href: '#/store'}, 'Open the Community Store'), '.')));
}

window.addEventListener('hashchange', render);
loadHealth();
render();
