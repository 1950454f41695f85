// job.js: a job's page (#/jobs/<id>/<tab>): its header from GET /jobs/:id
// with the cancel (PATCH /jobs/:id) and stop-with-savepoint (POST
// /jobs/:id/stop, then GET /jobs/:id/savepoints/:triggerid until done)
// buttons, and the tabs: graph (graph.js), checkpoints (checkpoints.js),
// exceptions (GET /jobs/:id/exceptions) and configuration (GET
// /jobs/:id/config).

import {ApiError, TERMINAL, api, el, fmtDuration, fmtTime, jobPath, keyValues, setState, setText, sleep,
  stateBadge, table} from './core.js';
import {createCheckpoints} from './checkpoints.js';
import {createGraph} from './graph.js';

const TABS = [['graph', 'Overview'], ['checkpoints', 'Checkpoints'], ['exceptions', 'Exceptions'],
  ['config', 'Configuration']];

// rootCause is the innermost cause of a Java-style stack trace: the last
// "Caused by:" line, else the first line.
function rootCause(trace) {
  const lines = String(trace).split('\n');
  const causes = lines.filter((l) => l.startsWith('Caused by: '));
  return causes.length ? causes[causes.length - 1].slice('Caused by: '.length) : lines[0];
}

function exceptionsView(ex) {
  const entries = (ex.exceptionHistory && ex.exceptionHistory.entries) || [];
  if (!ex['root-exception'] && !entries.length) {
    return el('p', {id: 'no-exceptions', class: 'muted'}, 'No exceptions: the job has not failed.');
  }
  const root = ex['root-exception'] || entries[0].stacktrace;
  return el('div', null,
    el('h2', null, 'Root exception'),
    keyValues(null, [['Root cause', rootCause(root), 'root-cause'], ['Time', fmtTime(ex.timestamp || 0)]]),
    el('pre', {id: 'root-exception', class: 'trace'}, root),
    el('h2', null, 'Exception history'),
    el('div', {id: 'exception-history'}, entries.map((e) => el('details', {class: 'exception'},
      el('summary', null, fmtTime(e.timestamp) + ' · ' + e.exceptionName + (e.taskName ? ' · ' + e.taskName : '')),
      el('pre', {class: 'trace'}, e.stacktrace)))));
}

function configView(cfg) {
  const ec = cfg['execution-config'] || {};
  const user = Object.entries(ec['user-config'] || {}).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return el('div', null,
    el('h2', null, 'Execution configuration'),
    keyValues({id: 'execution-config'}, [['Execution mode', ec['execution-mode']],
      ['Restart strategy', ec['restart-strategy']], ['Job parallelism', ec['job-parallelism']],
      ['Object reuse', ec['object-reuse-mode'] ? 'Enabled' : 'Disabled']]),
    el('h2', null, 'User configuration'),
    user.length ? table({id: 'job-config', class: 'list'}, ['Key', 'Value'],
      user.map(([k, v]) => ({k, cells: [el('code', null, k), v]})), (r) => ({'data-key': r.k})) :
      el('p', {id: 'job-config', class: 'muted'}, 'None.'));
}

// createJob is the page of job jobId, opened at tab.
export function createJob(app, jobId, tab) {
  let current = TABS.some(([t]) => t === tab) ? tab : 'graph';
  let details = null;
  let busy = false; // an action is running
  const name = el('span', {id: 'job-name'}, jobId);
  const state = stateBadge('', {id: 'job-state'});
  const info = {
    start: el('span', {id: 'job-start'}, '–'),
    duration: el('span', {id: 'job-duration'}, '–'),
    end: el('span', {id: 'job-end'}),
  };
  const result = el('div', {id: 'action-result', class: 'action-result hidden', role: 'status'});
  const cancelBtn = el('button', {type: 'button', id: 'cancel-job', class: 'danger', disabled: true,
    on: {click: () => cancel()}}, 'Cancel job');
  const stopBtn = el('button', {type: 'button', id: 'stop-job', disabled: true, on: {click: () => stop()}},
    'Stop with savepoint');
  const tabLinks = new Map(TABS.map(([t, label]) => [t, el('a', {id: 'tab-' + t, class: 'tab',
    href: '#/jobs/' + encodeURIComponent(jobId) + '/' + t}, label)]));
  const graph = createGraph(jobId);
  const checkpoints = createCheckpoints(jobId);
  const exceptions = el('div', {id: 'exceptions-panel'}, el('p', {class: 'muted'}, 'Loading…'));
  const config = el('div', {id: 'config-panel'}, el('p', {class: 'muted'}, 'Loading…'));
  const panels = new Map([['graph', graph.root], ['checkpoints', checkpoints.root], ['exceptions', exceptions],
    ['config', config]]);
  const root = el('section', {id: 'job-view', 'data-job-id': jobId},
    el('div', {class: 'job-header'},
      el('div', null, el('h1', null, name, ' ', state),
        el('div', {class: 'muted'}, el('code', {id: 'job-id'}, jobId), ' · started ', info.start, info.end,
          ' · duration ', info.duration)),
      el('div', {class: 'actions'}, cancelBtn, stopBtn)),
    result,
    el('nav', {class: 'tabs'}, [...tabLinks.values()]),
    [...panels.values()]);

  function showTab() {
    for (const [t, a] of tabLinks) {
      a.classList.toggle('active', t === current);
      panels.get(t).classList.toggle('hidden', t !== current);
    }
  }
  showTab();

  function showResult(parts, failed = false) {
    result.classList.remove('hidden');
    result.classList.toggle('failed', failed);
    result.replaceChildren(...[parts].flat());
  }

  function updateButtons() {
    const live = details && !TERMINAL.has(details.state);
    const allowed = app.features['web-cancel'] !== false;
    cancelBtn.disabled = busy || !live || !allowed;
    stopBtn.disabled = busy || !live || !allowed;
    const why = allowed ? '' : 'web.cancel.enable is false';
    cancelBtn.title = why;
    stopBtn.title = why;
  }

  async function cancel() {
    const label = details ? details.name : jobId;
    if (!window.confirm('Cancel job "' + label + '" (' + jobId + ')?')) {
      return;
    }
    busy = true;
    updateButtons();
    try {
      await api(jobPath(jobId, '?mode=cancel'), {method: 'PATCH'});
      showResult('Cancellation requested.');
    } catch (e) {
      showResult('Cancel failed: ' + e.message, true);
    }
    busy = false;
    app.refreshNow();
  }

  async function stop() {
    const label = details ? details.name : jobId;
    if (!window.confirm('Stop job "' + label + '" with a savepoint?')) {
      return;
    }
    busy = true;
    updateButtons();
    showResult('Stopping with a savepoint…');
    try {
      const trig = await api(jobPath(jobId, '/stop'), {method: 'POST',
        headers: {'Content-Type': 'application/json'}, body: JSON.stringify({drain: false})});
      const trigger = trig['request-id'];
      let lost = 0;
      for (;;) {
        await sleep(300);
        let st;
        try {
          st = await api(jobPath(jobId, '/savepoints/' + encodeURIComponent(trigger)));
          lost = 0;
        } catch (e) {
          if (e instanceof ApiError && e.status !== 0) {
            throw e;
          }
          if (++lost >= 10) {
            throw new Error('The REST API went away before the savepoint finished (trigger ' + trigger +
              '); the client may have exited with the job.');
          }
          continue;
        }
        if (st.status && st.status.id === 'COMPLETED') {
          const op = st.operation || {};
          if (op.location) {
            showResult(['Savepoint completed: ', el('code', {id: 'savepoint-path', class: 'path'}, op.location)]);
          } else {
            const cause = op['failure-cause'] || {};
            showResult(['Stop with savepoint failed: ', el('pre', {id: 'savepoint-failure', class: 'trace'},
              cause['stack-trace'] || cause.class || 'unknown failure')], true);
          }
          break;
        }
      }
    } catch (e) {
      showResult(['Stop with savepoint failed: ', el('span', {id: 'savepoint-failure'}, e.message)], true);
    }
    busy = false;
    app.refreshNow();
  }

  return {
    root,
    navigate(parts) {
      const t = parts[0] || 'graph';
      current = TABS.some(([x]) => x === t) ? t : 'graph';
      showTab();
    },
    async refresh() {
      try {
        details = await api(jobPath(jobId));
      } catch (e) {
        if (e instanceof ApiError && (e.status === 404 || e.status === 400)) {
          root.replaceChildren(el('h1', null, 'Job ' + jobId), el('p', {class: 'failure'}, e.message),
            el('p', null, el('a', {href: '#/jobs'}, 'All jobs')));
        }
        throw e;
      }
      setText(name, details.name || jobId);
      document.title = (details.name || jobId) + ' · flinkgo dashboard';
      setState(state, details.state);
      setText(info.start, fmtTime(details['start-time']));
      setText(info.end, details['end-time'] > 0 ? ' · ended ' + fmtTime(details['end-time']) : '');
      setText(info.duration, fmtDuration(details.duration));
      updateButtons();
      const tab = current;
      await Promise.all([
        graph.update(details, tab === 'graph'),
        checkpoints.poll(tab === 'checkpoints'),
        tab === 'exceptions' ? api(jobPath(jobId, '/exceptions')).then((ex) =>
          exceptions.replaceChildren(exceptionsView(ex))) : null,
        tab === 'config' ? api(jobPath(jobId, '/config')).then((c) => config.replaceChildren(configView(c))) : null,
      ]);
    },
  };
}
