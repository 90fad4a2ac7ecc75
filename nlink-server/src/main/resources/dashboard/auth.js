// Set-up (the first owner, with the one-time token the server printed), sign-in, and a password-reset link.
import {api} from './api.js';
import {h, errorBanner, notice, show} from './dom.js';
import {signedIn, go} from './app.js';

function authCard(title, subtitle, ...content) {
  return h('div', {class: 'center-page'},
    h('div', {class: 'card auth-card'},
      h('div', {class: 'auth-brand'}, h('img', {src: '/favicon.svg', alt: '', width: 36, height: 36}), h('span', {}, 'nLink')),
      h('h1', {}, title),
      subtitle ? h('p', {class: 'muted'}, subtitle) : null,
      ...content));
}

function field(label, input, help) {
  return h('label', {class: 'field'}, h('span', {class: 'field-label'}, label), input,
    help ? h('span', {class: 'field-help'}, help) : null);
}

export async function setupPage(root, ctx) {
  document.title = 'Set up · nLink';
  const token = ctx.query.get('token') ?? '';
  const slot = h('div', {});
  root.replaceChildren(authCard('Set up nLink', 'Create the owner account. The owner manages users and the Community Store, and sees every workflow.', slot));

  let status;
  try {
    status = await api('GET', '/api/setup', {quiet401: true});
  } catch (e) {
    if (ctx.alive()) show(slot, errorBanner(e));
    return;
  }
  if (!ctx.alive()) return;
  if (!status.required) {
    show(slot, notice('This server is already set up.', 'info'),
      h('p', {}, h('a', {href: '#/login', class: 'btn btn-primary'}, 'Sign in')));
    return;
  }

  const errors = h('div', {});
  const tokenInput = h('input', {id: 'setup-token', name: 'token', type: 'text', autocomplete: 'off', required: true, value: token});
  const username = h('input', {id: 'setup-username', name: 'username', type: 'text', autocomplete: 'username', required: true});
  const password = h('input', {id: 'setup-password', name: 'password', type: 'password', autocomplete: 'new-password', required: true});
  const repeat = h('input', {id: 'setup-repeat', name: 'repeat', type: 'password', autocomplete: 'new-password', required: true});
  const submit = h('button', {type: 'submit', class: 'btn btn-primary btn-block', id: 'setup-submit'}, 'Create owner');
  const form = h('form', {class: 'form', novalidate: true},
    errors,
    token ? null : field('Set-up token', tokenInput, 'The server printed a one-time set-up link when it started; the token is the part after token=.'),
    field('Username', username),
    field('Password', password),
    field('Repeat password', repeat),
    submit);
  form.addEventListener('submit', async event => {
    event.preventDefault();
    if (!username.value.trim()) return show(errors, notice('Choose a username.', 'error'));
    if (!password.value) return show(errors, notice('Choose a password.', 'error'));
    if (password.value !== repeat.value) return show(errors, notice('The two passwords differ.', 'error'));
    submit.disabled = true;
    try {
      const session = await api('POST', '/api/setup', {
        json: {token: tokenInput.value.trim(), username: username.value.trim(), password: password.value}, quiet401: true});
      signedIn(session, '#/store');
    } catch (e) {
      show(errors, errorBanner(e, e.status === 403 ? 'Set-up refused' : e.status === 409 ? 'Already set up' : null));
      submit.disabled = false;
    }
  });
  show(slot, form);
  username.focus();
}

/** A one-time link an admin made (POST /api/users/{id}/password-reset): sets the password, then sign in. */
export function resetPasswordPage(root, ctx) {
  document.title = 'Set a new password · nLink';
  const token = ctx.query.get('token') ?? '';
  const errors = h('div', {});
  const password = h('input', {id: 'reset-password', name: 'password', type: 'password', autocomplete: 'new-password', required: true});
  const repeat = h('input', {id: 'reset-repeat', name: 'repeat', type: 'password', autocomplete: 'new-password', required: true});
  const submit = h('button', {type: 'submit', class: 'btn btn-primary btn-block', id: 'reset-submit'}, 'Set password');
  const form = h('form', {class: 'form', novalidate: true}, errors, field('New password', password, 'At least 8 characters.'),
    field('Repeat password', repeat), submit);
  form.addEventListener('submit', async event => {
    event.preventDefault();
    if (!password.value) return show(errors, notice('Choose a password.', 'error'));
    if (password.value !== repeat.value) return show(errors, notice('The two passwords differ.', 'error'));
    submit.disabled = true;
    try {
      await api('POST', '/api/password-reset', {json: {token, password: password.value}, quiet401: true});
      root.replaceChildren(authCard('Password set', 'Sign in with your new password.',
        h('p', {}, h('a', {href: '#/login', class: 'btn btn-primary', id: 'reset-done'}, 'Sign in'))));
    } catch (e) {
      show(errors, errorBanner(e, e.status === 403 ? 'This link does not work' : null));
      submit.disabled = false;
    }
  });
  root.replaceChildren(authCard('Set a new password', 'Your admin made this one-time link for you.',
    token ? form : notice('This link has no token: open the whole link you were given.', 'error')));
  if (token) password.focus();
}

export function loginPage(root, ctx) {
  document.title = 'Sign in · nLink';
  const errors = h('div', {});
  const username = h('input', {id: 'login-username', name: 'username', type: 'text', autocomplete: 'username', required: true});
  const password = h('input', {id: 'login-password', name: 'password', type: 'password', autocomplete: 'current-password', required: true});
  const submit = h('button', {type: 'submit', class: 'btn btn-primary btn-block', id: 'login-submit'}, 'Sign in');
  const form = h('form', {class: 'form', novalidate: true}, errors, field('Username', username), field('Password', password), submit);
  form.addEventListener('submit', async event => {
    event.preventDefault();
    if (!username.value.trim() || !password.value) return show(errors, notice('Enter your username and password.', 'error'));
    submit.disabled = true;
    try {
      const session = await api('POST', '/api/session', {json: {username: username.value.trim(), password: password.value}, quiet401: true});
      const next = ctx.query.get('next') ?? '';
      signedIn(session, /^#\/[\w\-./%?=&]*$/.test(next) && !next.startsWith('#/login') ? next : '#/store');
    } catch (e) {
      if (e.status === 401 && e.body?.setupRequired) return go('#/setup');
      show(errors, errorBanner(e, e.status === 429 ? 'Too many attempts' : null));
      submit.disabled = false;
      password.select();
    }
  });
  root.replaceChildren(authCard('Sign in', 'Workflow automation with sandboxed WebAssembly nodes.', form));
  username.focus();
}
