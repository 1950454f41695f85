// app.js: the dashboard's entry point. Reads /config (refresh interval,
// features), routes the URL fragment to a view and refreshes the view
// every refresh-interval.
//
// Routes: #/overview, #/jobs, #/jobs/<job id>[/graph|checkpoints|exceptions|config].
// A view is {root: Element, refresh(): Promise, navigate?(parts)}; a job's
// tabs share one view so its rates and checkpoint history carry over.

import {api, el, fmtTime, setText} from './core.js';
import {createJobList, createOverview} from './overview.js';
import {createJob} from './job.js';

const app = {
  refreshMs: 3000,
  features: {'web-cancel': true},
  version: '',
  // refreshNow re-runs the current view's refresh at once (after an action).
  refreshNow: () => schedule(0),
};

let current = null; // {key, view}
let generation = 0; // bumped on navigation and by refreshNow
let timer = null;

function parseRoute() {
  const decode = (p) => {
    try {
      return decodeURIComponent(p);
    } catch (e) {
      return p; // a malformed escape: take it as it is
    }
  };
  const parts = location.hash.replace(/^#\/?/, '').split('/').filter(Boolean).map(decode);
  if (parts[0] === 'jobs' && parts[1]) {
    return {key: 'job:' + parts[1], nav: 'jobs', parts: parts.slice(2),
      make: () => createJob(app, parts[1], parts[2])};
  }
  if (parts[0] === 'jobs') {
    return {key: 'jobs', nav: 'jobs', parts: [], make: () => createJobList(app)};
  }
  return {key: 'overview', nav: 'overview', parts: [], make: () => createOverview(app)};
}

function showError(e) {
  const banner = document.getElementById('error-banner');
  if (!e) {
    banner.classList.add('hidden');
    banner.textContent = '';
    return;
  }
  banner.textContent = e.message || String(e);
  banner.classList.remove('hidden');
}

function onRoute() {
  const r = parseRoute();
  for (const id of ['overview', 'jobs']) {
    document.getElementById('nav-' + id).classList.toggle('active', r.nav === id);
  }
  if (current && current.key === r.key && current.view.navigate) {
    current.view.navigate(r.parts);
  } else {
    current = {key: r.key, view: r.make()};
    document.getElementById('view').replaceChildren(current.view.root);
  }
  schedule(0);
}

// schedule runs the current view's refresh after ms, replacing any
// refresh already scheduled; a refresh in flight for an older generation
// schedules nothing when it ends.
function schedule(ms) {
  clearTimeout(timer);
  const gen = ++generation;
  timer = setTimeout(() => tick(gen), ms);
}

async function tick(gen) {
  const view = current && current.view;
  if (!view) {
    return;
  }
  try {
    await view.refresh();
    if (gen === generation) {
      showError(null);
      setText(document.getElementById('status'), 'Flink ' + app.version + ' API · updated ' +
        fmtTime(Date.now()).slice(11) + ' · every ' + app.refreshMs / 1000 + ' s');
    }
  } catch (e) {
    if (gen === generation) {
      showError(e);
    }
  }
  if (gen === generation) {
    timer = setTimeout(() => tick(gen), app.refreshMs);
  }
}

async function start() {
  for (;;) {
    try {
      const cfg = await api('config');
      const ms = Number(cfg['refresh-interval']);
      app.refreshMs = Number.isFinite(ms) && ms > 0 ? Math.max(ms, 200) : 3000;
      app.features = cfg.features || app.features;
      app.version = cfg['flink-version'] || '';
      break;
    } catch (e) {
      showError(e);
      await new Promise((resolve) => setTimeout(resolve, 3000));
    }
  }
  showError(null);
  window.addEventListener('hashchange', onRoute);
  onRoute();
}

document.getElementById('view').replaceChildren(el('p', {class: 'muted'}, 'Connecting to the REST API…'));
start();
