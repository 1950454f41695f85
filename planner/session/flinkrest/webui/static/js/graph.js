// graph.js: a job's operator graph as SVG. Vertices and edges come from
// GET /jobs/:id/plan, laid out left to right by topological level (a
// vertex's level is one more than its deepest input's). Each vertex
// (g[data-vertex-id]) shows its name, parallelism, status, records in and
// out with their rates, the share of busy / back-pressured / idle time,
// its back-pressure level and its watermark; texts carry data-field (and
// numbers data-value) for tests and tools.
//
// Rates and time shares are computed here between successive polls of
// GET /jobs/:id (its records and accumulated times, summed over the
// subtasks); the first poll shows the means since the tasks started.
// The back-pressure level (worst subtask) comes from
// /vertices/:vid/backpressure, the watermark (lowest subtask input
// watermark) from /vertices/:vid/watermarks.

import {api, decodeEntities, el, fmtInt, fmtPct, fmtRate, fmtWatermark, jobPath, setText, svg, truncate} from './core.js';

const W = 290; // vertex box
const H = 184;
const GAP_X = 90;
const GAP_Y = 30;
const PAD = 20;
const MIN_WATERMARK = -9.2e18; // Long.MIN_VALUE, roughly: no watermark yet
const NAME_CHARS = 33; // per name line on a vertex's box; the whole name is its tooltip

// layout places plan nodes in columns by topological level, each column
// centered vertically; returns positions by node id and the drawing size.
export function layout(nodes) {
  const byId = new Map(nodes.map((n) => [n.id, n]));
  const level = new Map();
  const visiting = new Set();
  const levelOf = (id) => {
    if (level.has(id)) {
      return level.get(id);
    }
    if (visiting.has(id)) {
      return 0; // a cycle: not in a job graph, but never loop
    }
    visiting.add(id);
    let l = 0;
    for (const input of byId.get(id).inputs || []) {
      if (byId.has(input.id)) {
        l = Math.max(l, levelOf(input.id) + 1);
      }
    }
    visiting.delete(id);
    level.set(id, l);
    return l;
  };
  const columns = [];
  for (const n of nodes) {
    const l = levelOf(n.id);
    (columns[l] = columns[l] || []).push(n.id);
  }
  const rows = Math.max(1, ...columns.map((c) => (c ? c.length : 0)));
  const height = 2 * PAD + rows * H + (rows - 1) * GAP_Y;
  const width = 2 * PAD + columns.length * W + Math.max(0, columns.length - 1) * GAP_X;
  const pos = new Map();
  columns.forEach((col, l) => {
    if (!col) {
      return;
    }
    const colHeight = col.length * H + (col.length - 1) * GAP_Y;
    const top = (height - colHeight) / 2;
    col.forEach((id, row) => pos.set(id, {x: PAD + l * (W + GAP_X), y: top + row * (H + GAP_Y), level: l}));
  });
  return {pos, width, height};
}

function edgePath(from, to) {
  const x1 = from.x + W;
  const y1 = from.y + H / 2;
  const x2 = to.x - 6;
  const y2 = to.y + H / 2;
  const mx = (x1 + x2) / 2;
  return `M ${x1} ${y1} C ${mx} ${y1}, ${mx} ${y2}, ${x2} ${y2}`;
}

// nameLines splits a vertex name into at most two lines of NAME_CHARS,
// preferably at the chain's arrows, else at spaces; the second line is
// truncated.
function nameLines(name) {
  name = String(name).replace(/\s+/g, ' ');
  if (name.length <= NAME_CHARS) {
    return [name, ''];
  }
  let cut = -1;
  for (const sep of [' -> ', ' ']) {
    for (let i = name.indexOf(sep); i >= 0 && i <= NAME_CHARS; i = name.indexOf(sep, i + 1)) {
      cut = i;
    }
    if (cut > 0) {
      break;
    }
  }
  if (cut <= 0) {
    cut = NAME_CHARS;
  }
  return [name.slice(0, cut), truncate(name.slice(cut).trim(), NAME_CHARS)];
}

// setName writes a vertex's name on its two name lines.
function setName(v, name) {
  v.name = name;
  const [a, b] = nameLines(name);
  setText(v.nameLines[0], a);
  setText(v.nameLines[1], b);
  v.f.name.setAttribute('data-value', name);
  setText(v.title, name);
}

// drawVertex builds one vertex's group and returns it with its parts.
function drawVertex(n, p, name) {
  const text = (field, x, y, attrs = {}) => svg('text', {'data-field': field, x, y, ...attrs});
  const end = {'text-anchor': 'end'};
  const top = 42; // below the two name lines
  const lines = [svg('tspan', {x: 12, y: 20}), svg('tspan', {x: 12, y: 36})];
  const f = {
    name: svg('text', {'data-field': 'name', class: 'vertex-name'}, lines),
    parallelism: text('parallelism', 12, top + 20),
    status: text('status', W - 12, top + 20, {...end, class: 'vertex-status'}),
    'records-in': text('records-in', 12, top + 42),
    'rate-in': text('rate-in', W - 12, top + 42, end),
    'records-out': text('records-out', 12, top + 62),
    'rate-out': text('rate-out', W - 12, top + 62, end),
    busy: text('busy', 12, top + 84, {class: 'busy-text'}),
    backpressured: text('backpressured', W / 2, top + 84, {'text-anchor': 'middle', class: 'bp-text'}),
    idle: text('idle', W - 12, top + 84, {...end, class: 'idle-text'}),
    backpressure: text('backpressure-level', 12, top + 114),
    watermark: text('watermark', 12, top + 132),
  };
  const barY = top + 90;
  const bar = {
    busy: svg('rect', {class: 'ratio-busy', x: 12, y: barY, width: 0, height: 8}),
    backpressured: svg('rect', {class: 'ratio-bp', x: 12, y: barY, width: 0, height: 8}),
    idle: svg('rect', {class: 'ratio-idle', x: 12, y: barY, width: 0, height: 8}),
  };
  const box = svg('rect', {class: 'vertex-box', width: W, height: H, rx: 8});
  const title = svg('title');
  const g = svg('g', {class: 'vertex', 'data-vertex-id': n.id, transform: `translate(${p.x},${p.y})`},
    title, box, svg('rect', {class: 'ratio-track', x: 12, y: barY, width: W - 24, height: 8}),
    bar.busy, bar.backpressured, bar.idle, Object.values(f));
  const v = {g, box, title, f, bar, nameLines: lines, name: ''};
  setName(v, name);
  return v;
}

// createGraph is the graph panel of job jobId.
export function createGraph(jobId) {
  const holder = el('div', {id: 'job-graph', class: 'graph-holder'}, el('p', {class: 'muted'}, 'Loading the plan…'));
  const root = el('div', {id: 'graph-panel'}, holder,
    el('p', {class: 'legend muted'},
      el('span', {class: 'swatch swatch-busy'}), ' busy ',
      el('span', {class: 'swatch swatch-bp'}), ' back-pressured ',
      el('span', {class: 'swatch swatch-idle'}), ' idle — shares of the tasks\' time and record rates since the previous refresh; ' +
      'back pressure: the worst subtask (ok ≤ 10% < low ≤ 50% < high).'));
  let planKey = null;
  let vertices = new Map(); // id → drawVertex's parts
  const prev = new Map(); // id → the previous poll's figures

  async function ensurePlan(details) {
    const key = details.vertices.map((v) => v.id).join(',');
    if (key === planKey) {
      return;
    }
    const {plan} = await api(jobPath(jobId, '/plan'));
    const names = new Map(details.vertices.map((v) => [v.id, v.name]));
    const {pos, width, height} = layout(plan.nodes);
    const edges = svg('g', {class: 'edges'});
    const nodes = svg('g', {class: 'vertices'});
    vertices = new Map();
    for (const n of plan.nodes) {
      for (const input of n.inputs || []) {
        const from = pos.get(input.id);
        const to = pos.get(n.id);
        if (!from || !to) {
          continue;
        }
        const d = edgePath(from, to);
        edges.append(svg('g', {class: 'edge', 'data-from': input.id, 'data-to': n.id},
          svg('path', {d, 'marker-end': 'url(#arrow)'}),
          svg('text', {x: (from.x + W + to.x) / 2, y: (from.y + to.y + H) / 2 - 8, 'text-anchor': 'middle',
            class: 'edge-label'}, input.ship_strategy || '')));
      }
      const v = drawVertex(n, pos.get(n.id), names.get(n.id) || decodeEntities(n.description || n.id));
      vertices.set(n.id, v);
      nodes.append(v.g);
    }
    const drawing = svg('svg', {id: 'job-graph-svg', width, height, viewBox: `0 0 ${width} ${height}`,
      role: 'img', 'aria-label': 'Operator graph of job ' + jobId},
    svg('defs', null, svg('marker', {id: 'arrow', viewBox: '0 0 10 10', refX: 9, refY: 5,
      markerWidth: 8, markerHeight: 8, orient: 'auto-start-reverse'}, svg('path', {d: 'M 0 0 L 10 5 L 0 10 z'}))),
    edges, nodes);
    holder.replaceChildren(drawing);
    prev.clear();
    planKey = key;
  }

  function updateMetrics(details) {
    const now = details.now;
    for (const d of details.vertices) {
      const v = vertices.get(d.id);
      if (!v) {
        continue;
      }
      if (d.name && d.name !== v.name) {
        setName(v, d.name);
      }
      v.g.setAttribute('data-status', d.status);
      setText(v.f.status, d.status, d.status);
      setText(v.f.parallelism, 'Parallelism ' + d.parallelism, d.parallelism);
      const m = d.metrics || {};
      const cur = {now, in: m['read-records'] || 0, out: m['write-records'] || 0, busy: m['accumulated-busy-time'] || 0,
        bp: m['accumulated-backpressured-time'] || 0, idle: m['accumulated-idle-time'] || 0};
      const p = prev.get(d.id);
      let rateIn = NaN;
      let rateOut = NaN;
      let shares = null;
      if (p && now > p.now && cur.in >= p.in && cur.out >= p.out) {
        const dt = (now - p.now) / 1000;
        rateIn = (cur.in - p.in) / dt;
        rateOut = (cur.out - p.out) / dt;
        const db = cur.busy - p.busy;
        const dbp = cur.bp - p.bp;
        const di = cur.idle - p.idle;
        if (db >= 0 && dbp >= 0 && di >= 0 && db + dbp + di > 0) {
          shares = [db, dbp, di].map((x) => x / (db + dbp + di));
        }
      }
      if (!shares && cur.busy + cur.bp + cur.idle > 0) {
        const t = cur.busy + cur.bp + cur.idle;
        shares = [cur.busy / t, cur.bp / t, cur.idle / t];
      }
      prev.set(d.id, cur);
      setText(v.f['records-in'], 'Records in ' + fmtInt(cur.in), cur.in);
      setText(v.f['records-out'], 'Records out ' + fmtInt(cur.out), cur.out);
      setText(v.f['rate-in'], fmtRate(rateIn), Number.isFinite(rateIn) ? rateIn.toFixed(3) : '');
      setText(v.f['rate-out'], fmtRate(rateOut), Number.isFinite(rateOut) ? rateOut.toFixed(3) : '');
      const [busy, bp, idle] = shares || [NaN, NaN, NaN];
      setText(v.f.busy, 'Busy ' + fmtPct(busy), Number.isFinite(busy) ? busy.toFixed(3) : '');
      setText(v.f.backpressured, 'Backpressured ' + fmtPct(bp), Number.isFinite(bp) ? bp.toFixed(3) : '');
      setText(v.f.idle, 'Idle ' + fmtPct(idle), Number.isFinite(idle) ? idle.toFixed(3) : '');
      let x = 12;
      for (const [k, share] of [['busy', busy], ['backpressured', bp], ['idle', idle]]) {
        const w = Number.isFinite(share) ? share * (W - 24) : 0;
        v.bar[k].setAttribute('x', x.toFixed(1));
        v.bar[k].setAttribute('width', w.toFixed(1));
        x += w;
      }
    }
  }

  // updateVertexEndpoints reads each vertex's back pressure and
  // watermarks; a failed call leaves that vertex's figures as they were.
  async function updateVertexEndpoints() {
    await Promise.all([...vertices.entries()].map(async ([id, v]) => {
      const base = jobPath(jobId, '/vertices/' + encodeURIComponent(id));
      const [bp, wms] = await Promise.all([
        api(base + '/backpressure').catch(() => null),
        api(base + '/watermarks').catch(() => null),
      ]);
      if (bp) {
        const level = String(bp['backpressure-level'] || 'ok');
        const worst = Math.max(0, ...(bp.subtasks || []).map((s) => Number(s.ratio) || 0));
        setText(v.f.backpressure, 'Back pressure ' + level.toUpperCase() + ' (max ' + fmtPct(worst) + ')', level);
        v.box.setAttribute('class', 'vertex-box bp-' + level.toLowerCase().replace(/[^a-z]/g, ''));
      }
      if (Array.isArray(wms)) {
        const values = wms.map((w) => Number(w.value)).filter((n) => Number.isFinite(n));
        const low = values.length ? Math.min(...values) : NaN;
        const none = !Number.isFinite(low) || low <= MIN_WATERMARK;
        setText(v.f.watermark, 'Watermark ' + (none ? 'No Watermark' : fmtWatermark(low)), none ? '' : low);
      }
    }));
  }

  return {
    root,
    // update refreshes the graph from a GET /jobs/:id body; with visible
    // it also reads the per-vertex endpoints.
    async update(details, visible) {
      await ensurePlan(details);
      updateMetrics(details);
      if (visible) {
        await updateVertexEndpoints();
      }
    },
  };
}
