// Following an execution as it runs: the server's progress stream (Server-Sent Events,
// GET /api/executions/{id}/events), falling back to asking for the record every two seconds when
// the stream cannot be had (too many open, or a proxy that buffers it).
import {api, enc} from './api.js';

const FINISHED = new Set(['success', 'error', 'crashed', 'canceled']);

/** Whether an execution's status is final. */
export const finished = status => FINISHED.has(status);

/**
 * follow(id, onEvent) → {done: Promise<execution record>, close()}. `onEvent(type, data)` hears
 * node-started {node, itemsIn}, node-finished {node, status, itemsIn, itemsOut, millis, error} and
 * execution-finished {id, status, …}; `done` resolves with the whole record once it has ended.
 */
export function follow(id, onEvent) {
  let source = null;
  let timer = null;
  let closed = false;
  let settle;
  let fail;
  const done = new Promise((resolve, reject) => { settle = resolve; fail = reject; });

  const close = () => {
    closed = true;
    source?.close();
    clearTimeout(timer);
  };
  const end = async () => {
    close();
    try { settle(await api('GET', `/api/executions/${enc(id)}`)); } catch (e) { fail(e); }
  };
  const poll = async () => {
    if (closed) return;
    try {
      const exec = await api('GET', `/api/executions/${enc(id)}`);
      if (closed) return;
      if (finished(exec.status)) {
        for (const n of Array.isArray(exec.nodes) ? exec.nodes : []) onEvent('node-finished', {node: n.name, status: n.status, itemsIn: n.itemsIn, itemsOut: n.itemsOut});
        onEvent('execution-finished', {id: exec.id, status: exec.status, error: exec.error, errorNode: exec.errorNode});
        close();
        settle(exec);
        return;
      }
    } catch (e) {
      if (e.status === 404 || e.status === 401) { close(); fail(e); return; }
    }
    timer = setTimeout(poll, 2000);
  };

  source = new EventSource(`/api/executions/${enc(id)}/events`);
  const listen = type => source.addEventListener(type, event => {
    let data;
    try { data = JSON.parse(event.data); } catch { return; }
    onEvent(type, data);
    if (type === 'execution-finished') end();
  });
  ['node-started', 'node-finished', 'execution-finished', 'execution'].forEach(listen);
  source.addEventListener('error', () => {
    // Closed for good (refused: 404, 429…): ask for the record instead. Otherwise the browser reconnects.
    if (!closed && source.readyState === EventSource.CLOSED) poll();
  });
  return {done, close};
}
