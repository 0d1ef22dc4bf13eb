// minibatch status dashboard: polls /status and /history once a second and redraws tables and
// SVG line charts. No framework and no external scripts; all user data goes in via textContent.
(function () {
  'use strict';

  const POLL_MS = 1000;
  const PALETTE = ['#2f6fde', '#e8693c', '#1f9d55', '#9b51e0', '#d64545', '#0f9fb5', '#c77700',
    '#5c6b8a', '#e0529c', '#6a9a1f'];
  const SVG_NS = 'http://www.w3.org/2000/svg';
  const token = new URLSearchParams(window.location.search).get('token');
  const colors = new Map();

  function colorOf(name) {
    if (!colors.has(name)) {
      colors.set(name, PALETTE[colors.size % PALETTE.length]);
    }
    return colors.get(name);
  }

  async function getJson(path) {
    const headers = token ? { 'Authorization': 'Bearer ' + token } : {};
    const response = await fetch(path, { headers: headers, cache: 'no-store' });
    if (!response.ok) {
      let detail = response.statusText;
      try { detail = (await response.json()).error || detail; } catch (e) { /* not JSON */ }
      throw new Error(response.status + ' ' + detail);
    }
    return response.json();
  }

  function fmt(n) {
    if (n === null || n === undefined || Number.isNaN(n)) { return '–'; }
    if (Math.abs(n) >= 100 || Number.isInteger(n)) { return Math.round(n).toLocaleString('en-US'); }
    return n.toFixed(1);
  }

  function ago(iso, now) {
    if (!iso) { return '–'; }
    const s = Math.max(0, Math.round((now - Date.parse(iso)) / 1000));
    if (s < 60) { return s + 's ago'; }
    if (s < 3600) { return Math.floor(s / 60) + 'm ago'; }
    if (s < 86400) { return Math.floor(s / 3600) + 'h ago'; }
    return Math.floor(s / 86400) + 'd ago';
  }

  function text(id, value) {
    document.getElementById(id).textContent = value;
  }

  function cell(row, value, cls) {
    const td = document.createElement('td');
    if (cls) { td.className = cls; }
    td.textContent = value;
    row.appendChild(td);
    return td;
  }

  function setState(state, message) {
    const el = document.getElementById('state');
    el.dataset.state = state;
    el.textContent = message;
  }

  function renderStatus(status) {
    const now = Date.parse(status.time) || Date.now();
    const file = status.storeFile && !(status.store || '').includes(status.storeFile) ? ' (' + status.storeFile + ')' : '';
    text('store', (status.store || '') + file);
    const t = status.totals || {};
    text('total-streams', fmt(t.streams));
    text('total-pending', fmt(t.pending));
    text('total-claimed', fmt(t.claimed));
    text('total-dead', fmt(t.dead));
    text('total-append', fmt(t.appendRate));
    text('total-windows', fmt(t.windowRate));
    text('total-consumers', fmt(t.consumersRunning));

    const streams = status.streams || [];
    const body = document.querySelector('#streams tbody');
    body.replaceChildren();
    for (const s of streams) {
      const row = document.createElement('tr');
      row.dataset.stream = s.name;
      const name = cell(row, '', 'name');
      const dot = document.createElement('span');
      dot.className = 'dot';
      dot.style.background = colorOf(s.name);
      name.appendChild(dot);
      name.appendChild(document.createTextNode(s.name));
      cell(row, fmt(s.pending), 'num pending');
      cell(row, fmt(s.claimed), 'num claimed');
      cell(row, fmt(s.done), 'num done');
      cell(row, fmt(s.dead), 'num dead' + (s.dead > 0 ? ' some' : ''));
      cell(row, s.appended === undefined ? '–' : fmt(s.appended), 'num appended');
      cell(row, fmt(s.appendRate), 'num append-rate');
      cell(row, fmt(s.windowRate), 'num window-rate');
      cell(row, fmt(s.consumers), 'num consumers');
      cell(row, ago(s.lastAppend, now), 'last-append');
      body.appendChild(row);
    }
    document.getElementById('streams-empty').hidden = streams.length > 0;

    const consumers = status.consumers || [];
    const cbody = document.querySelector('#consumers tbody');
    cbody.replaceChildren();
    for (const c of consumers) {
      const row = document.createElement('tr');
      row.dataset.consumer = c.id;
      row.dataset.stream = c.stream;
      cell(row, c.stream, 'name');
      cell(row, c.host + (c.pid ? ':' + c.pid : ''), 'consumer-id').title = c.id;
      cell(row, c.emitter || '');
      const state = cell(row, '');
      const badge = document.createElement('span');
      badge.className = 'badge ' + c.state;
      badge.textContent = c.state;
      state.appendChild(badge);
      cell(row, fmt(c.windows), 'num windows');
      cell(row, fmt(c.messages), 'num messages');
      cell(row, fmt(c.windowRate), 'num window-rate');
      cell(row, fmt(c.messageRate), 'num message-rate');
      cell(row, fmt(c.failures), 'num failures');
      cell(row, fmt(c.inFlight), 'num in-flight');
      cell(row, ago(c.lastHeartbeat, now), 'heartbeat');
      cbody.appendChild(row);
    }
    const noConsumers = document.getElementById('consumers-empty');
    noConsumers.hidden = consumers.length > 0;
    noConsumers.textContent = status.heartbeats === false
      ? 'This store keeps no consumer heartbeats (memory and SQLite do), so consumers are not listed.'
      : 'No consumer reported in the last two minutes.';

    renderTables(status, now);

    const notes = status.notes || {};
    const footer = document.getElementById('notes');
    footer.replaceChildren();
    for (const key of Object.keys(notes)) {
      const p = document.createElement('div');
      p.textContent = key + ': ' + notes[key] + '.';
      footer.appendChild(p);
    }
    if (status.error) {
      setState('error', status.error);
    }
  }

  function renderTables(status, now) {
    const tables = status.tables || [];
    const t = status.totals || {};
    text('total-tables', status.tablesKept === false ? '–' : fmt(t.tables === undefined ? tables.length : t.tables));
    const body = document.querySelector('#tables tbody');
    body.replaceChildren();
    for (const table of tables) {
      const row = document.createElement('tr');
      row.dataset.table = table.name;
      cell(row, table.name, 'name');
      cell(row, fmt(table.size), 'num size');
      cell(row, fmt(table.updates), 'num updates');
      cell(row, fmt(table.updateRate), 'num update-rate');
      cell(row, ago(table.lastUpdate, now), 'last-update');
      const preview = cell(row, '', 'preview');
      for (const e of table.preview || []) {
        const item = document.createElement('span');
        item.className = 'entry';
        const key = document.createElement('span');
        key.className = 'key';
        key.textContent = e.key;
        item.appendChild(key);
        item.appendChild(document.createTextNode(': ' + e.value));
        preview.appendChild(item);
      }
      if ((table.preview || []).length < table.size) {
        const more = document.createElement('span');
        more.className = 'more';
        more.textContent = '… ' + fmt(table.size - (table.preview || []).length) + ' more';
        preview.appendChild(more);
      }
      if (table.previewError) {
        preview.title = table.previewError;
      }
      body.appendChild(row);
    }
    const empty = document.getElementById('tables-empty');
    empty.hidden = tables.length > 0;
    if (status.tablesKept === false) {
      empty.textContent = 'This store keeps no tables.';
    } else if (status.tablesError) {
      empty.hidden = false;
      empty.textContent = status.tablesError;
    }
  }

  function niceCeil(v) {
    if (!(v > 0)) { return 1; }
    const p = Math.pow(10, Math.floor(Math.log10(v)));
    for (const m of [1, 2, 2.5, 5, 10]) {
      if (m * p >= v) { return m * p; }
    }
    return 10 * p;
  }

  function clock(ms) {
    return new Date(ms).toTimeString().slice(0, 8);
  }

  function el(name, attrs, parent) {
    const node = document.createElementNS(SVG_NS, name);
    for (const k of Object.keys(attrs)) { node.setAttribute(k, attrs[k]); }
    parent.appendChild(node);
    return node;
  }

  // series: [{name, points: [[t, v], ...]}]
  function drawChart(svg, series, endTime) {
    const W = Math.max(200, svg.clientWidth || 600);
    const H = Math.max(120, svg.clientHeight || 200);
    const m = { l: 52, r: 14, t: 10, b: 22 };
    svg.setAttribute('viewBox', '0 0 ' + W + ' ' + H);
    svg.replaceChildren();
    let tMin = Infinity, vMax = 0, count = 0;
    for (const s of series) {
      for (const p of s.points) {
        tMin = Math.min(tMin, p[0]);
        vMax = Math.max(vMax, p[1]);
        count++;
      }
    }
    const tMax = endTime;
    if (count === 0 || !(tMax > tMin)) {
      tMin = tMax - 60000;
    }
    const top = niceCeil(vMax);
    const x = (t) => m.l + (W - m.l - m.r) * (t - tMin) / (tMax - tMin);
    const y = (v) => H - m.b - (H - m.t - m.b) * v / top;
    for (const f of [0, 0.5, 1]) {
      const v = top * f;
      el('line', { x1: m.l, x2: W - m.r, y1: y(v), y2: y(v), class: 'grid' }, svg);
      el('text', { x: m.l - 6, y: y(v) + 4, 'text-anchor': 'end', class: 'axis' }, svg).textContent = fmt(v);
    }
    el('text', { x: m.l, y: H - 4, class: 'axis' }, svg).textContent = clock(tMin);
    el('text', { x: W - m.r, y: H - 4, 'text-anchor': 'end', class: 'axis' }, svg).textContent = clock(tMax);
    if (count === 0) {
      el('text', { x: W / 2, y: H / 2, 'text-anchor': 'middle', class: 'nodata' }, svg).textContent = 'waiting for data…';
      return;
    }
    for (const s of series) {
      if (s.points.length === 0) { continue; }
      const pts = s.points.map((p) => x(p[0]).toFixed(1) + ',' + y(p[1]).toFixed(1)).join(' ');
      const line = el('polyline', { points: pts, class: 'line', stroke: colorOf(s.name) }, svg);
      line.dataset.stream = s.name;
      line.dataset.count = String(s.points.length);
      const last = s.points[s.points.length - 1];
      el('circle', { cx: x(last[0]), cy: y(last[1]), r: 3, fill: colorOf(s.name) }, svg);
    }
  }

  function renderHistory(history) {
    const names = Object.keys(history.streams || {}).sort();
    const end = history.time || Date.now();
    const pick = (i) => names.map((name) => ({
      name: name,
      points: history.streams[name].map((p) => [p[0], p[i]])
    }));
    drawChart(document.getElementById('chart-append'), pick(2), end);
    drawChart(document.getElementById('chart-windows'), pick(3), end);
    drawChart(document.getElementById('chart-depth'), pick(1), end);
    const legend = document.getElementById('legend');
    legend.replaceChildren();
    for (const name of names) {
      const item = document.createElement('span');
      const swatch = document.createElement('span');
      swatch.className = 'swatch';
      swatch.style.background = colorOf(name);
      item.appendChild(swatch);
      item.appendChild(document.createTextNode(name));
      legend.appendChild(item);
    }
  }

  async function tick() {
    try {
      const [status, history] = await Promise.all([getJson('status'), getJson('history')]);
      // colours follow the sorted stream names, so they stay put between updates
      Object.keys(history.streams || {}).sort().forEach(colorOf);
      renderStatus(status);
      renderHistory(history);
      if (!status.error) {
        setState('live', 'live · ' + clock(Date.parse(status.time) || Date.now()));
      }
    } catch (e) {
      setState('error', 'cannot read status: ' + e.message);
    } finally {
      window.setTimeout(tick, POLL_MS);
    }
  }

  tick();
})();
