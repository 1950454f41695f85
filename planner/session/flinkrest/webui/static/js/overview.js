// overview.js: the cluster overview (GET /overview, running jobs) and the
// list of all jobs (GET /jobs/overview).

import {api, el, fmtDuration, fmtInt, fmtTime, num, setText, stateBadge, table} from './core.js';

// The overview's figures: [field of /overview, label].
const STATS = [
  ['slots-total', 'Total slots'],
  ['slots-available', 'Available slots'],
  ['taskmanagers', 'Task managers'],
  ['jobs-running', 'Running jobs'],
  ['jobs-finished', 'Finished jobs'],
  ['jobs-cancelled', 'Cancelled jobs'],
  ['jobs-failed', 'Failed jobs'],
];

// jobsTable lists jobs (JobDetails of /jobs/overview), newest first; each
// row is tr[data-job-id] and opens the job.
function jobsTable(id, jobs) {
  jobs = [...jobs].sort((a, b) => b['start-time'] - a['start-time']);
  if (!jobs.length) {
    return el('p', {id, class: 'muted'}, 'No jobs.');
  }
  const rows = jobs.map((j) => ({
    job: j,
    cells: [
      el('a', {href: '#/jobs/' + encodeURIComponent(j.jid), class: 'job-link'}, j.name || '(unnamed)'),
      el('code', null, j.jid),
      stateBadge(j.state),
      fmtTime(j['start-time']),
      num(fmtDuration(j.duration)),
      num((j.tasks ? j.tasks.running : 0) + ' / ' + (j.tasks ? j.tasks.total : 0)),
    ],
  }));
  return table({id, class: 'list'}, ['Job name', 'Job ID', 'State', 'Start time', 'Duration', 'Tasks running / total'],
    rows, (r) => ({'data-job-id': r.job.jid, class: 'clickable', on: {click: (ev) => {
      if (!(ev.target instanceof HTMLAnchorElement)) {
        location.hash = '#/jobs/' + encodeURIComponent(r.job.jid);
      }
    }}}));
}

// createOverview is the overview view: the cluster's figures and the jobs
// that have not ended.
export function createOverview(app) {
  const values = new Map(STATS.map(([key]) => [key, el('div', {class: 'card-value', id: 'stat-' + key}, '–')]));
  const cards = STATS.map(([key, label]) => el('div', {class: 'card'}, values.get(key),
    el('div', {class: 'card-label'}, label)));
  const running = el('div', {id: 'running-jobs-holder'});
  const version = el('span', {id: 'flink-version', class: 'muted'});
  const root = el('section', {id: 'overview-view'},
    el('h1', null, 'Overview ', version),
    el('div', {class: 'cards', id: 'cluster-stats'}, cards),
    el('h2', null, 'Running jobs'),
    running,
    el('p', null, el('a', {href: '#/jobs'}, 'All jobs →')));
  return {
    root,
    async refresh() {
      const [ov, jobs] = await Promise.all([api('overview'), api('jobs/overview')]);
      for (const [key] of STATS) {
        setText(values.get(key), fmtInt(ov[key]), ov[key]);
      }
      setText(version, 'Flink ' + (ov['flink-version'] || app.version) + ' · commit ' + (ov['flink-commit'] || '?'));
      const live = (jobs.jobs || []).filter((j) => !['FINISHED', 'CANCELED', 'FAILED'].includes(j.state));
      running.replaceChildren(jobsTable('running-jobs', live));
    },
  };
}

// createJobList is the view of every job of the session.
export function createJobList() {
  const holder = el('div', {id: 'job-list-holder'});
  const root = el('section', {id: 'jobs-view'}, el('h1', null, 'Jobs'), holder);
  return {
    root,
    async refresh() {
      const jobs = await api('jobs/overview');
      holder.replaceChildren(jobsTable('job-list', jobs.jobs || []));
    },
  };
}
