// checkpoints.js: a job's checkpoints from GET /jobs/:id/checkpoints —
// counts, the history as an SVG bar chart (#checkpoint-chart: duration
// above, checkpointed size below, one rect.ckpt-bar per checkpoint
// colored by status) and a table, the latest completed / savepoint /
// failed checkpoint and restore, the summary — with its configuration
// (GET /jobs/:id/checkpoints/config) and, for a clicked checkpoint, its
// details (GET /jobs/:id/checkpoints/details/:cid).
//
// The server keeps the last web.checkpoints.history checkpoints; the page
// keeps every one it saw since it opened, up to KEEP, so the chart goes
// on growing while the page is open.

import {ApiError, api, el, fmtBytes, fmtDuration, fmtInt, fmtTime, jobPath, keyValues, num, setText,
  stateBadge, svg, table} from './core.js';

const KEEP = 60;
const CW = 780; // chart width
const ML = 64; // left margin (axis labels)
const DUR_H = 150; // duration panel
const SIZE_H = 80; // size panel
const TOP = 20;
const GAP = 34;

const COUNTS = [['completed', 'Completed'], ['in_progress', 'In progress'], ['failed', 'Failed'],
  ['restored', 'Restored'], ['total', 'Total']];

// durationOf is a checkpoint's end-to-end duration, for one in progress
// the time since its trigger.
function durationOf(c) {
  if (c.status === 'IN_PROGRESS') {
    return Math.max(0, Date.now() - c.trigger_timestamp);
  }
  return Math.max(0, c.end_to_end_duration);
}

function kind(c) {
  return c.checkpoint_type === 'CHECKPOINT' ? 'Checkpoint' : c.checkpoint_type === 'SYNC_SAVEPOINT' ?
    'Savepoint (stop)' : 'Savepoint';
}

function describe(c) {
  return [kind(c) + ' ' + c.id + ' — ' + c.status, 'Duration ' + fmtDuration(durationOf(c)),
    'Checkpointed size ' + fmtBytes(c.checkpointed_size), 'Alignment buffered ' + fmtBytes(c.alignment_buffered),
    'Triggered ' + fmtTime(c.trigger_timestamp, true)].join('\n') +
    (c.failure_message ? '\nFailure: ' + c.failure_message : '');
}

// chart draws the records (oldest first) as two bar panels.
function chart(records, onSelect) {
  const slot = (CW - ML - 12) / KEEP;
  const bw = Math.max(2, slot * 0.7);
  const height = TOP + DUR_H + GAP + SIZE_H + 24;
  const maxDur = Math.max(1, ...records.map(durationOf));
  const maxSize = Math.max(1, ...records.map((c) => c.checkpointed_size || 0));
  const durBase = TOP + DUR_H;
  const sizeBase = TOP + DUR_H + GAP + SIZE_H;
  const s = svg('svg', {id: 'checkpoint-chart', width: CW, height, viewBox: `0 0 ${CW} ${height}`, role: 'img',
    'data-keep': KEEP,
    'aria-label': 'Checkpoint history: duration and size'},
  svg('text', {x: ML, y: 12, class: 'axis-title'}, 'End-to-end duration'),
  svg('text', {x: ML - 6, y: TOP + 10, 'text-anchor': 'end', class: 'axis-label'}, fmtDuration(maxDur)),
  svg('text', {x: ML - 6, y: durBase, 'text-anchor': 'end', class: 'axis-label'}, '0'),
  svg('line', {x1: ML, y1: durBase, x2: CW - 4, y2: durBase, class: 'axis'}),
  svg('text', {x: ML, y: durBase + GAP - 6, class: 'axis-title'}, 'Checkpointed size'),
  svg('text', {x: ML - 6, y: durBase + GAP + 10, 'text-anchor': 'end', class: 'axis-label'}, fmtBytes(maxSize)),
  svg('text', {x: ML - 6, y: sizeBase, 'text-anchor': 'end', class: 'axis-label'}, '0'),
  svg('line', {x1: ML, y1: sizeBase, x2: CW - 4, y2: sizeBase, class: 'axis'}));
  records.forEach((c, i) => {
    const x = ML + 6 + i * slot;
    const cls = 'status-' + c.status.toLowerCase() + (c.is_savepoint ? ' is-savepoint' : '');
    const dh = Math.max(1, (durationOf(c) / maxDur) * DUR_H);
    const sh = c.status === 'COMPLETED' ? Math.max(1, ((c.checkpointed_size || 0) / maxSize) * SIZE_H) : 0;
    const attrs = {'data-checkpoint-id': c.id, 'data-status': c.status, on: {click: () => onSelect(c.id)}};
    s.append(svg('rect', {...attrs, class: 'ckpt-bar ' + cls, x: x.toFixed(1), y: (durBase - dh).toFixed(1),
      width: bw.toFixed(1), height: dh.toFixed(1), 'data-duration': durationOf(c)}, svg('title', null, describe(c))));
    if (sh > 0) {
      s.append(svg('rect', {...attrs, class: 'ckpt-size-bar ' + cls, x: x.toFixed(1), y: (sizeBase - sh).toFixed(1),
        width: bw.toFixed(1), height: sh.toFixed(1), 'data-size': c.checkpointed_size}, svg('title', null, describe(c))));
    }
  });
  if (records.length) {
    const last = records.length - 1;
    s.append(svg('text', {x: ML + 6, y: sizeBase + 16, class: 'axis-label'}, '#' + records[0].id),
      svg('text', {x: ML + 6 + last * slot + bw, y: sizeBase + 16, 'text-anchor': 'end', class: 'axis-label'},
        last ? '#' + records[last].id : ''));
  } else {
    s.append(svg('text', {x: CW / 2, y: TOP + DUR_H / 2, 'text-anchor': 'middle', class: 'muted'},
      'No checkpoint yet.'));
  }
  return s;
}

function latestList(latest) {
  const one = (c) => c ? [el('span', null, '#' + c.id + ' at ' + fmtTime(c.latest_ack_timestamp > 0 ?
    c.latest_ack_timestamp : c.trigger_timestamp) + ' · ' + fmtDuration(durationOf(c)) +
    (c.status === 'COMPLETED' ? ' · ' + fmtBytes(c.checkpointed_size) : '')),
  c.external_path ? el('div', null, el('code', {class: 'path'}, c.external_path)) : null,
  c.failure_message ? el('div', {class: 'failure'}, c.failure_message) : null] : 'None';
  const r = latest.restored;
  const restore = r ? [el('span', null, '#' + r.id + (r.is_savepoint ? ' (savepoint)' : '') + ' at ' +
    fmtTime(r.restore_timestamp)), el('div', null, el('code', {class: 'path'}, r.external_path))] : 'None';
  return keyValues({id: 'checkpoint-latest-list'}, [
    ['Completed checkpoint', one(latest.completed), 'checkpoint-latest-completed'],
    ['Savepoint', one(latest.savepoint), 'checkpoint-latest-savepoint'],
    ['Failed checkpoint', one(latest.failed), 'checkpoint-latest-failed'],
    ['Latest restore', restore, 'checkpoint-latest-restore'],
  ]);
}

function summaryTable(summary) {
  const row = (label, s, f) => ({cells: [label, num(f(s.min)), num(f(s.avg)), num(f(s.p50)), num(f(s.p90)),
    num(f(s.p99)), num(f(s.max))]});
  return table({id: 'checkpoint-summary-table', class: 'list'}, ['', 'Min', 'Average', 'p50', 'p90', 'p99', 'Max'], [
    row('End-to-end duration', summary.end_to_end_duration || {}, fmtDuration),
    row('Checkpointed size', summary.checkpointed_size || {}, fmtBytes),
    row('Alignment buffered', summary.alignment_buffered || {}, fmtBytes),
  ]);
}

function configList(c) {
  const yes = (b) => (b ? 'Enabled' : 'Disabled');
  return keyValues({id: 'checkpoint-config'}, [
    ['Checkpointing mode', c.mode === 'exactly_once' ? 'Exactly once' : 'At least once'],
    ['Interval', fmtDuration(c.interval)],
    ['Timeout', fmtDuration(c.timeout)],
    ['Minimum pause between checkpoints', fmtDuration(c.min_pause)],
    ['Maximum concurrent checkpoints', fmtInt(c.max_concurrent)],
    ['Persist checkpoints externally', c.externalization && c.externalization.enabled ?
      (c.externalization.delete_on_cancellation ? 'Enabled (delete on cancellation)' :
        'Enabled (retain on cancellation)') : 'Disabled'],
    ['State backend', c.state_backend],
    ['Checkpoint storage', c.checkpoint_storage],
    ['Unaligned checkpoints', yes(c.unaligned_checkpoints)],
    ['Tolerable failed checkpoints', fmtInt(c.tolerable_failed_checkpoints)],
    ['Checkpoints after tasks finish', yes(c.checkpoints_after_tasks_finish)],
  ]);
}

// createCheckpoints is the checkpoints panel of job jobId.
export function createCheckpoints(jobId) {
  const seen = new Map(); // id → the newest CheckpointStatistics seen
  let stats = null;
  let selected = null;
  const values = new Map(COUNTS.map(([k]) => [k, el('div', {class: 'card-value', id: 'ckpt-count-' + k}, '–')]));
  const chartHolder = el('div', {id: 'checkpoint-chart-holder', class: 'chart-holder'});
  const historyHolder = el('div', {id: 'checkpoint-history-holder'});
  const details = el('div', {id: 'checkpoint-details', class: 'details hidden'});
  const latest = el('div', {id: 'checkpoint-latest'});
  const summary = el('div', {id: 'checkpoint-summary'});
  const config = el('div', {id: 'checkpoint-config-holder'});
  const root = el('div', {id: 'checkpoints-panel'},
    el('div', {class: 'cards'}, COUNTS.map(([k, label]) => el('div', {class: 'card'}, values.get(k),
      el('div', {class: 'card-label'}, label)))),
    el('h2', null, 'History'),
    el('p', {class: 'muted legend'}, el('span', {class: 'swatch status-completed'}), ' completed ',
      el('span', {class: 'swatch status-in_progress'}), ' in progress ',
      el('span', {class: 'swatch status-failed'}), ' failed ',
      el('span', {class: 'swatch is-savepoint'}), ' savepoint — click a bar or a row for its details'),
    chartHolder, details, historyHolder,
    el('div', {class: 'columns'},
      el('div', null, el('h2', null, 'Latest'), latest),
      el('div', null, el('h2', null, 'Summary of the completed checkpoints'), summary)),
    el('h2', null, 'Configuration'), config);

  async function select(id) {
    selected = id;
    details.classList.remove('hidden');
    details.replaceChildren(el('p', {class: 'muted'}, 'Loading checkpoint ' + id + '…'));
    try {
      const c = await api(jobPath(jobId, '/checkpoints/details/' + encodeURIComponent(id)));
      if (selected !== id) {
        return;
      }
      details.replaceChildren(el('h3', null, kind(c) + ' ' + c.id + ' ', stateBadge(c.status),
        el('button', {type: 'button', class: 'link', on: {click: () => {
          selected = null;
          details.classList.add('hidden');
        }}}, 'close')),
      keyValues({'data-checkpoint-id': c.id}, [
        ['Type', c.checkpoint_type], ['Triggered', fmtTime(c.trigger_timestamp, true)],
        ['Latest acknowledgement', fmtTime(c.latest_ack_timestamp, true)],
        ['End-to-end duration', fmtDuration(durationOf(c))],
        ['Checkpointed size', fmtBytes(c.checkpointed_size)], ['Full state size', fmtBytes(c.state_size)],
        ['Alignment buffered', fmtBytes(c.alignment_buffered)], ['Processed (in-flight) data', fmtBytes(c.processed_data)],
        ['Acknowledged subtasks', c.num_acknowledged_subtasks + ' / ' + c.num_subtasks],
        ['Path', c.external_path || '–'], ['Failure', c.failure_message || '–'],
      ]));
    } catch (e) {
      if (selected === id) {
        details.replaceChildren(el('p', {class: 'failure'}, e.message));
      }
    }
  }

  function render() {
    for (const [k] of COUNTS) {
      setText(values.get(k), fmtInt(stats.counts[k]), stats.counts[k]);
    }
    const records = [...seen.values()].sort((a, b) => a.id - b.id);
    chartHolder.replaceChildren(chart(records, select));
    const rows = [...records].reverse().map((c) => ({c, cells: [
      num(c.id), stateBadge(c.status), kind(c),
      num(c.num_acknowledged_subtasks + ' / ' + c.num_subtasks), fmtTime(c.trigger_timestamp, true),
      num(fmtDuration(durationOf(c))), num(fmtBytes(c.checkpointed_size)), num(fmtBytes(c.alignment_buffered)),
      c.external_path ? el('code', {class: 'path'}, c.external_path) : c.failure_message ?
        el('span', {class: 'failure'}, c.failure_message) : '',
    ]}));
    historyHolder.replaceChildren(rows.length ? table({id: 'checkpoint-history', class: 'list'},
      ['ID', 'Status', 'Type', 'Acknowledged', 'Triggered', 'Duration', 'Checkpointed size', 'Alignment buffered',
        'Path / failure'], rows, (r) => ({'data-checkpoint-id': r.c.id, class: 'clickable',
        on: {click: () => select(r.c.id)}})) : el('p', {class: 'muted'}, 'No checkpoints in the history.'));
    latest.replaceChildren(latestList(stats.latest || {}));
    summary.replaceChildren(summaryTable(stats.summary || {}));
  }

  return {
    root,
    // poll reads the statistics and merges their history into what the
    // page has seen; with visible it renders the panel.
    async poll(visible) {
      stats = await api(jobPath(jobId, '/checkpoints'));
      const current = new Set();
      for (const c of stats.history || []) {
        seen.set(c.id, c);
        current.add(c.id);
      }
      for (const [id, c] of seen) {
        // One the server dropped while in progress here: its end is unknown.
        if (c.status === 'IN_PROGRESS' && !current.has(id)) {
          seen.delete(id);
        }
      }
      const ids = [...seen.keys()].sort((a, b) => a - b);
      for (const id of ids.slice(0, Math.max(0, ids.length - KEEP))) {
        seen.delete(id);
      }
      if (!visible) {
        return;
      }
      render();
      try {
        config.replaceChildren(configList(await api(jobPath(jobId, '/checkpoints/config'))));
      } catch (e) {
        if (!(e instanceof ApiError) || e.status !== 404) {
          throw e;
        }
        config.replaceChildren(el('p', {id: 'checkpoint-config', class: 'muted'}, e.message));
      }
    },
  };
}
