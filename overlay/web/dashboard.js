// athlete3d operator dashboard: polls status every second and shows the
// cameras (up or down), the run's figures and the feed's clients.
// URL parameter: token=T when the server requires one.
(function () {
  'use strict';

  const token = new URLSearchParams(location.search).get('token') || '';
  const headers = token ? { Authorization: 'Bearer ' + token } : {};
  const $ = id => document.getElementById(id);

  function cell(tr, text, cls) {
    const td = document.createElement('td');
    td.textContent = text;
    if (cls) td.className = cls;
    tr.append(td);
  }

  function num(v, digits) {
    return typeof v === 'number' ? (digits === undefined ? String(v) : v.toFixed(digits)) : '–';
  }

  function label(key) {
    return key.replace(/_ms$/, ' (ms)').replace(/_/g, ' ');
  }

  // fill writes an object's scalar fields as a definition list.
  function fill(dl, obj, skip) {
    dl.replaceChildren();
    for (const [k, v] of Object.entries(obj || {})) {
      if (skip && skip.includes(k) || (v !== null && typeof v === 'object')) continue;
      const dt = document.createElement('dt');
      dt.textContent = label(k);
      const dd = document.createElement('dd');
      dd.textContent = typeof v === 'number' && !Number.isInteger(v) ? v.toFixed(2) : String(v);
      dl.append(dt, dd);
    }
  }

  function render(st) {
    const run = st.run && typeof st.run === 'object' ? st.run : { status: st.run };
    const cams = Array.isArray(run.cameras) ? run.cameras : [];
    const body = $('cameras').tBodies[0];
    body.replaceChildren();
    for (const c of cams) {
      const tr = document.createElement('tr');
      cell(tr, c.name || '');
      cell(tr, c.up ? 'up' : 'down', c.up ? 'up' : 'down');
      cell(tr, num(c.fps, 1));
      cell(tr, num(c.dropped));
      cell(tr, c.error || '');
      body.append(tr);
    }
    fill($('run'), run, ['cameras']);
    const feed = Object.assign({}, st.feed || {});
    if (st.webrtc) {
      feed.webrtc_peers = st.webrtc.peers;
      feed.webrtc_refused = st.webrtc.refused;
    }
    fill($('feed'), feed, ['per_client']);
    const cb = $('clients').tBodies[0];
    cb.replaceChildren();
    for (const c of (st.feed && st.feed.per_client) || []) {
      const tr = document.createElement('tr');
      cell(tr, num(c.id));
      cell(tr, c.remote || '');
      cell(tr, c.camera < 0 ? 'all' : num(c.camera));
      cell(tr, num(c.queued));
      cell(tr, num(c.sent));
      cell(tr, num(c.dropped));
      cb.append(tr);
    }
  }

  async function poll() {
    const updated = $('updated');
    try {
      const resp = await fetch('status', { headers, cache: 'no-store' });
      if (!resp.ok) throw new Error('status: HTTP ' + resp.status);
      render(await resp.json());
      updated.textContent = 'updated ' + new Date().toLocaleTimeString();
      updated.className = '';
    } catch (e) {
      updated.textContent = String(e.message || e) + ' (retrying)';
      updated.className = 'stale';
    }
    setTimeout(poll, 1000);
  }
  poll();
})();
