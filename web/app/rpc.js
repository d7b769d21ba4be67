// The page's side of the worker protocol (worker.js): each request is {reqId, type, ...payload};
// the worker answers {reqId, progress} any number of times, then {reqId, ok: true, result} or
// {reqId, ok: false, error: {code, message}}. Shared by the app (app.js) and the embedding
// module (colorize.mjs).

// Speaks to `worker`. onCrash: called when the worker dies (out of memory, a trap); the
// requests in flight are rejected with code 'crashed' first.
export function workerClient(worker, {onCrash = null, crashMessage = 'The colorizer stopped.'} = {}) {
  let nextReq = 1;
  const pending = new Map();
  let ended = null;  // why the worker is gone: later calls fail at once with it
  const rejectAll = (error) => {
    ended = error;
    for (const [, p] of pending) p.reject(error);
    pending.clear();
  };
  worker.onmessage = (ev) => {
    const m = ev.data;
    const p = pending.get(m.reqId);
    if (!p) return;
    if (m.progress) { p.onProgress?.(m.progress); return; }
    pending.delete(m.reqId);
    if (m.ok) p.resolve(m.result); else p.reject(Object.assign(new Error(m.error.message), m.error));
  };
  worker.onerror = (ev) => {
    ev.preventDefault?.();
    rejectAll(Object.assign(new Error(crashMessage), {code: 'crashed'}));
    onCrash?.();
  };
  return {
    // Sends one request; resolves with its result (onProgress gets the progress messages).
    call(type, payload = {}, onProgress = null, transfer = []) {
      if (ended) return Promise.reject(ended);
      const reqId = nextReq++;
      return new Promise((resolve, reject) => {
        pending.set(reqId, {resolve, reject, onProgress});
        worker.postMessage({reqId, type, ...payload}, transfer);
      });
    },
    // Ends the worker; what is in flight is rejected with `reason`.
    terminate(reason = 'The colorizer was closed.') {
      worker.terminate();
      rejectAll(Object.assign(new Error(reason), {code: 'crashed'}));
    },
  };
}
