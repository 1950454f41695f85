// core.js: calls to the REST API, DOM building and formatting shared by
// the views. Every piece of data goes into the page as text (textContent,
// text nodes, attribute values), never as HTML.

// ApiError is a failed call: the HTTP status and Flink's error messages.
export class ApiError extends Error {
  constructor(status, messages, path) {
    super(messages.join('; '));
    this.status = status;
    this.messages = messages;
    this.path = path;
  }
}

// api calls the REST API at a path relative to the page (so the dashboard
// works behind a proxy prefix) and returns the decoded JSON body.
export async function api(path, options = {}) {
  let resp;
  try {
    resp = await fetch(path, {cache: 'no-store', ...options,
      headers: {'Accept': 'application/json', ...(options.headers || {})}});
  } catch (e) {
    throw new ApiError(0, ['The REST API is not reachable (' + e.message + ').'], path);
  }
  const text = await resp.text();
  let body = null;
  if (text) {
    try {
      body = JSON.parse(text);
    } catch (e) {
      body = null;
    }
  }
  if (!resp.ok) {
    const msgs = body && Array.isArray(body.errors) && body.errors.length
      ? body.errors.map(String) : [resp.status + ' ' + resp.statusText];
    throw new ApiError(resp.status, msgs, path);
  }
  return body;
}

// jobPath is the API path of a job (ids are 32 hex; encoded anyway).
export function jobPath(jobId, rest = '') {
  return 'jobs/' + encodeURIComponent(jobId) + rest;
}

// sleep resolves after ms milliseconds.
export function sleep(ms) {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

const SVG_NS = 'http://www.w3.org/2000/svg';

// setAttrs sets attributes: "text" is the text content, "on" an object
// of event listeners; null, undefined and false are left out.
function setAttrs(e, attrs) {
  if (!attrs) {
    return;
  }
  for (const [k, v] of Object.entries(attrs)) {
    if (v === null || v === undefined || v === false) {
      continue;
    }
    if (k === 'text') {
      e.textContent = String(v);
    } else if (k === 'on') {
      for (const [type, fn] of Object.entries(v)) {
        e.addEventListener(type, fn);
      }
    } else {
      e.setAttribute(k, v === true ? '' : String(v));
    }
  }
}

function appendAll(e, children) {
  for (const c of children.flat(Infinity)) {
    if (c === null || c === undefined || c === false) {
      continue;
    }
    e.append(c instanceof Node ? c : document.createTextNode(String(c)));
  }
  return e;
}

// el builds an HTML element: el('td', {class: 'num'}, 'text', child, ...).
export function el(tag, attrs, ...children) {
  const e = document.createElement(tag);
  setAttrs(e, attrs);
  return appendAll(e, children);
}

// svg builds an SVG element the same way.
export function svg(tag, attrs, ...children) {
  const e = document.createElementNS(SVG_NS, tag);
  setAttrs(e, attrs);
  return appendAll(e, children);
}

// setText sets an element's text and, given one, its data-value.
export function setText(e, text, value) {
  if (!e) {
    return;
  }
  const s = String(text);
  if (e.textContent !== s) {
    e.textContent = s;
  }
  if (value !== undefined) {
    e.setAttribute('data-value', String(value));
  }
}

// table builds a table with a header row and rows of cells (each cell a
// string, number, Node or array of those); rowAttrs(row, i) gives each
// row's attributes.
export function table(attrs, headers, rows, rowAttrs) {
  return el('table', attrs,
    el('thead', null, el('tr', null, headers.map((h) => el('th', null, h)))),
    el('tbody', null, rows.map((r, i) => el('tr', rowAttrs ? rowAttrs(r, i) : null,
      r.cells.map((c) => el('td', c && c.cls ? {class: c.cls} : null, c && c.cls ? c.v : c))))));
}

// num marks a table cell as numeric (right-aligned).
export function num(v) {
  return {cls: 'num', v};
}

// keyValues builds a definition list from [label, value] pairs.
export function keyValues(attrs, pairs) {
  return el('dl', {class: 'kv', ...attrs}, pairs.map(([k, v, id]) =>
    [el('dt', null, k), el('dd', id ? {id} : null, v)]));
}

// stateBadge shows a job or task state.
export function stateBadge(state, attrs = {}) {
  const s = String(state || 'UNKNOWN');
  return el('span', {...attrs, class: 'state state-' + s.toLowerCase(), 'data-state': s}, s);
}

// setState updates a badge made by stateBadge.
export function setState(badge, state) {
  const s = String(state || 'UNKNOWN');
  badge.className = 'state state-' + s.toLowerCase();
  badge.setAttribute('data-state', s);
  setText(badge, s);
}

// TERMINAL are the job states after which nothing changes.
export const TERMINAL = new Set(['FINISHED', 'CANCELED', 'FAILED']);

// Formatting.

export function fmtInt(n) {
  return Number.isFinite(n) ? Math.round(n).toLocaleString('en-US') : '–';
}

export function fmtRate(r) {
  if (!Number.isFinite(r)) {
    return '–';
  }
  if (r === 0) {
    return '0/s';
  }
  return (r < 10 ? r.toFixed(1) : Math.round(r).toLocaleString('en-US')) + '/s';
}

export function fmtPct(x) {
  return Number.isFinite(x) ? Math.round(x * 100) + '%' : '–';
}

export function fmtBytes(n) {
  if (!Number.isFinite(n) || n < 0) {
    return '–';
  }
  const units = ['B', 'KB', 'MB', 'GB', 'TB'];
  let i = 0;
  while (n >= 1024 && i < units.length - 1) {
    n /= 1024;
    i++;
  }
  return (i === 0 ? String(n) : n.toFixed(1)) + ' ' + units[i];
}

export function fmtDuration(ms) {
  if (!Number.isFinite(ms) || ms < 0) {
    return '–';
  }
  if (ms < 1000) {
    return Math.round(ms) + ' ms';
  }
  if (ms < 60000) {
    return (ms / 1000).toFixed(1) + ' s';
  }
  let s = Math.floor(ms / 1000);
  const d = Math.floor(s / 86400);
  s -= d * 86400;
  const h = Math.floor(s / 3600);
  s -= h * 3600;
  const m = Math.floor(s / 60);
  s -= m * 60;
  return (d ? d + 'd ' : '') + (d || h ? h + 'h ' : '') + m + 'm ' + s + 's';
}

const pad = (n, w = 2) => String(n).padStart(w, '0');

// fmtTime writes epoch milliseconds as local time; 0 or less is none.
export function fmtTime(ms, withMillis = false) {
  if (!Number.isFinite(ms) || ms <= 0) {
    return '–';
  }
  const t = new Date(ms);
  return t.getFullYear() + '-' + pad(t.getMonth() + 1) + '-' + pad(t.getDate()) + ' ' +
    pad(t.getHours()) + ':' + pad(t.getMinutes()) + ':' + pad(t.getSeconds()) +
    (withMillis ? '.' + pad(t.getMilliseconds(), 3) : '');
}

// fmtWatermark writes a watermark metric value (a decimal string of epoch
// milliseconds; Long.MIN_VALUE when there is none yet).
export function fmtWatermark(v) {
  const n = Number(v);
  if (v === undefined || v === null || !Number.isFinite(n) || n <= -9.2e18) {
    return 'No Watermark';
  }
  return fmtTime(n, true);
}

// decodeEntities undoes the HTML escaping of Flink's JSON plan
// descriptions (escapeHtml4, newlines as <br/>) to get plain text back.
export function decodeEntities(s) {
  return String(s).replace(/<br\/>/g, '\n').replace(/&lt;/g, '<').replace(/&gt;/g, '>')
    .replace(/&quot;/g, '"').replace(/&#39;/g, "'").replace(/&amp;/g, '&');
}

// truncate shortens s to n characters with an ellipsis.
export function truncate(s, n) {
  s = String(s);
  return s.length <= n ? s : s.slice(0, n - 1) + '…';
}
