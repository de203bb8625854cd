// athlete3d broadcast overlay: draws the athletes' skeletons as one camera
// sees them, and a lower third per athlete, over a transparent page.
// URL parameters (all optional):
//   camera=<index|name>   the camera whose picture the canvas matches (0)
//   athletes=1,3          only these athlete IDs (all)
//   units=kmh|ms          speed units (kmh)
//   transport=auto|webrtc|ws   auto tries WebRTC for ~2 s, then WebSocket
//   token=T               the feed's access token
//   lowerthird=0|1        show the lower thirds (1)
//   color=<css colour>    skeleton and accent colour; hex may omit the '#'
// For tests: window.overlayState = {transport, frames, lastFrame, hello,
// hold, drawn, ...}: setting hold keeps the picture still, drawn is the
// frame it shows.
(function () {
  'use strict';

  const q = new URLSearchParams(location.search);
  const token = q.get('token') || '';
  const mode = (q.get('transport') || 'auto').toLowerCase();
  const units = /^m\/?s$/i.test(q.get('units') || '') ? 'ms' : 'kmh';
  const showLowerThird = q.get('lowerthird') !== '0';
  const cameraParam = (q.get('camera') || '0').trim();
  const athleteFilter = parseIDs(q.get('athletes'));
  const color = parseColor(q.get('color')) || '#00c8ff';

  const canvas = document.getElementById('skeleton');
  const ctx = canvas.getContext('2d');
  const lowerThirds = document.getElementById('lowerthirds');
  const errorBox = document.getElementById('error');
  document.documentElement.style.setProperty('--accent', color);

  const state = window.overlayState = {
    transport: '',     // 'webrtc' or 'ws' once connected, '' between connections
    frames: 0,         // frames received
    lastFrame: null,   // the last frame, as parsed JSON
    hello: null,       // the feed's hello
    camera: -1,        // the camera index drawn
    subscribed: null,  // the server's last "subscribed" reply
    closed: null,      // the last "close" message of a WebRTC session
    error: '',         // the last connection error
    connects: 0,       // connections made
    hold: false,       // for tests: true keeps the picture (frames are counted, not drawn)
    drawn: null,       // the frame on the canvas
  };

  let conn = null;       // {send(text), close()} of the live connection
  let drawPending = false;
  let subscribeTimer = 0;

  function parseIDs(s) {
    if (!s) return null;
    const ids = s.split(',').map(x => parseInt(x, 10)).filter(Number.isInteger);
    return ids.length ? ids : null;
  }

  function parseColor(s) {
    if (!s) return '';
    if (/^[0-9a-f]{3,8}$/i.test(s)) s = '#' + s;
    return CSS.supports('color', s) ? s : '';
  }

  function showError(msg) {
    state.error = msg;
    errorBox.textContent = msg;
    errorBox.hidden = !msg;
  }

  function authHeaders() {
    return token ? { Authorization: 'Bearer ' + token } : {};
  }

  // Query parameters of a connection: the camera (when given as an index)
  // and athletes filter the feed from the first frame.
  function feedParams(url) {
    if (/^\d+$/.test(cameraParam)) url.searchParams.set('camera', cameraParam);
    if (athleteFilter) url.searchParams.set('athletes', athleteFilter.join(','));
    return url;
  }

  function resolveCamera(hello) {
    const cams = hello.cameras || [];
    let i = /^\d+$/.test(cameraParam) ? parseInt(cameraParam, 10) : cams.findIndex(c => c.name === cameraParam);
    if (i < 0 || i >= cams.length) {
      showError('camera ' + JSON.stringify(cameraParam) + ' is not in the rig (' + cams.map(c => c.name).join(', ') + ')');
      return -1;
    }
    return i;
  }

  // handle takes one message of the feed; it returns the message's type.
  function handle(data) {
    if (typeof data !== 'string') return ''; // binary frames are not asked for
    let m;
    try { m = JSON.parse(data); } catch (e) { return ''; }
    switch (m.type) {
      case 'hello': {
        state.hello = m;
        state.camera = resolveCamera(m);
        if (state.camera >= 0) {
          const cam = m.cameras[state.camera];
          if (canvas.width !== cam.width) canvas.width = cam.width;
          if (canvas.height !== cam.height) canvas.height = cam.height;
          subscribe();
        }
        break;
      }
      case 'frame':
        state.frames++;
        if (state.hold) break;
        state.lastFrame = m;
        if (!drawPending) {
          drawPending = true;
          requestAnimationFrame(draw);
        }
        break;
      case 'subscribed':
        state.subscribed = m;
        clearTimeout(subscribeTimer);
        break;
      case 'close':
        state.closed = m;
        break;
    }
    return m.type;
  }

  // subscribe asks for the chosen camera's view only. On WebRTC the channel
  // may lose a message, so it is repeated until the server answers.
  function subscribe() {
    clearTimeout(subscribeTimer);
    if (!conn || state.camera < 0) return;
    const msg = { type: 'subscribe', camera: state.camera };
    if (athleteFilter) msg.athletes = athleteFilter;
    conn.send(JSON.stringify(msg));
    subscribeTimer = setTimeout(subscribe, 500);
  }

  function draw() {
    drawPending = false;
    const f = state.lastFrame, hello = state.hello;
    state.drawn = f;
    ctx.clearRect(0, 0, canvas.width, canvas.height);
    if (!f || !hello || state.camera < 0) return;
    const athletes = (f.athletes || []).filter(a => !athleteFilter || athleteFilter.includes(a.id));
    const lw = Math.max(3, canvas.height / 180);
    ctx.lineWidth = lw;
    ctx.lineCap = 'round';
    ctx.lineJoin = 'round';
    ctx.strokeStyle = color;
    ctx.fillStyle = color;
    for (const a of athletes) {
      const view = (a.views || []).find(v => v.cam === state.camera);
      if (!view) continue;
      const uv = view.uv || [];
      const placed = i => 2 * i + 1 < uv.length && !(uv[2 * i] === -1 && uv[2 * i + 1] === -1);
      ctx.beginPath();
      for (const [i, j] of hello.limbs || []) {
        if (!placed(i) || !placed(j)) continue;
        ctx.moveTo(uv[2 * i], uv[2 * i + 1]);
        ctx.lineTo(uv[2 * j], uv[2 * j + 1]);
      }
      ctx.stroke();
      for (let i = 0; 2 * i + 1 < uv.length; i++) {
        if (!placed(i)) continue;
        ctx.beginPath();
        ctx.arc(uv[2 * i], uv[2 * i + 1], lw, 0, 2 * Math.PI);
        ctx.fill();
      }
    }
    updateLowerThirds(showLowerThird ? athletes : []);
  }

  function fmt(v, digits) {
    return typeof v === 'number' && isFinite(v) ? v.toFixed(digits) : '–';
  }

  function speed(v) {
    if (typeof v !== 'number') return '–';
    return units === 'ms' ? fmt(v, 2) : fmt(v * 3.6, 1);
  }

  const boxes = new Map(); // athlete ID -> {root, fields}

  function lowerThird(id) {
    let b = boxes.get(id);
    if (b) return b;
    const root = document.createElement('div');
    root.className = 'lt';
    const who = document.createElement('div');
    who.className = 'who';
    const name = document.createElement('div');
    const sub = document.createElement('small');
    who.append(name, sub);
    const figs = document.createElement('div');
    figs.className = 'figs';
    const su = units === 'ms' ? 'm/s' : 'km/h';
    const fields = { name, sub };
    for (const [key, label] of [['speed', 'speed ' + su], ['top', 'top ' + su], ['step', 'step m'],
      ['freq', 'freq Hz'], ['contact', 'contact ms']]) {
      const fig = document.createElement('div');
      fig.className = 'fig';
      const value = document.createElement('b');
      const cap = document.createElement('span');
      cap.textContent = label;
      fig.append(value, cap);
      figs.append(fig);
      fields[key] = value;
    }
    root.append(who, figs);
    lowerThirds.append(root);
    b = { root, fields };
    boxes.set(id, b);
    return b;
  }

  function updateLowerThirds(athletes) {
    const seen = new Set();
    for (const a of athletes) {
      seen.add(a.id);
      const f = lowerThird(a.id).fields, m = a.metrics || {};
      f.name.textContent = a.name || 'Athlete ' + a.id;
      f.sub.textContent = [a.lane ? 'Lane ' + a.lane : '', a.bib ? 'Bib ' + a.bib : ''].filter(Boolean).join(' · ');
      f.speed.textContent = speed(m.speed);
      f.top.textContent = speed(m.top_speed);
      f.step.textContent = fmt(m.step_length, 2);
      f.freq.textContent = fmt(m.step_freq, 2);
      f.contact.textContent = typeof m.contact === 'number' ? fmt(m.contact * 1000, 0) : '–';
    }
    for (const [id, b] of boxes) {
      if (!seen.has(id)) {
        b.root.remove();
        boxes.delete(id);
      }
    }
  }

  // connectWS opens the WebSocket feed and resolves once the hello is in.
  function connectWS(timeoutMs) {
    return new Promise((resolve, reject) => {
      const url = feedParams(new URL('feed', location.href));
      url.protocol = location.protocol === 'https:' ? 'wss:' : 'ws:';
      if (token) url.searchParams.set('token', token); // a WebSocket cannot send headers
      const ws = new WebSocket(url);
      const c = { send: t => ws.send(t), close: () => ws.close() };
      let up = false;
      const timer = setTimeout(() => { ws.close(); reject(new Error('WebSocket: no hello within ' + timeoutMs + ' ms')); }, timeoutMs);
      ws.onmessage = ev => {
        if (!up && handle(ev.data) === 'hello') {
          up = true;
          clearTimeout(timer);
          resolve(c);
          return;
        }
        if (up) handle(ev.data);
      };
      ws.onclose = ev => {
        clearTimeout(timer);
        if (!up) reject(new Error('WebSocket closed (' + ev.code + (ev.reason ? ': ' + ev.reason : '') + ')'));
        else lost(c, 'WebSocket closed (' + ev.code + ')');
      };
      conn = c;
    });
  }

  function gathered(pc, timeoutMs) {
    return new Promise(resolve => {
      if (pc.iceGatheringState === 'complete') return resolve();
      const t = setTimeout(resolve, timeoutMs); // go with the candidates found so far
      pc.addEventListener('icegatheringstatechange', () => {
        if (pc.iceGatheringState === 'complete') { clearTimeout(t); resolve(); }
      });
    });
  }

  // connectWebRTC offers an unordered, unreliable data channel to the WHEP
  // endpoint and resolves once the hello has arrived on it.
  async function connectWebRTC(timeoutMs) {
    const pc = new RTCPeerConnection({ iceServers: [] });
    const dc = pc.createDataChannel('overlay', { ordered: false, maxRetransmits: 0 });
    let resource = null, up = false;
    const c = {
      send: t => { if (dc.readyState === 'open') dc.send(t); },
      close: () => {
        dc.close();
        pc.close();
        if (resource) fetch(resource, { method: 'DELETE', headers: authHeaders() }).catch(() => {});
      },
    };
    const hello = new Promise((resolve, reject) => {
      dc.onmessage = ev => {
        const type = handle(ev.data);
        if (!up && type === 'hello') resolve();
      };
      dc.onclose = () => { if (up) lost(c, 'data channel closed'); else reject(new Error('data channel closed')); };
    });
    pc.onconnectionstatechange = () => {
      if (up && (pc.connectionState === 'failed' || pc.connectionState === 'closed')) lost(c, 'peer connection ' + pc.connectionState);
    };
    const work = (async () => {
      await pc.setLocalDescription(await pc.createOffer());
      await gathered(pc, Math.min(1000, timeoutMs / 2));
      const resp = await fetch(feedParams(new URL('whep', location.href)), {
        method: 'POST',
        headers: Object.assign({ 'Content-Type': 'application/sdp' }, authHeaders()),
        body: pc.localDescription.sdp,
      });
      const body = await resp.text();
      if (resp.status !== 201) throw new Error('WHEP answered ' + resp.status + ': ' + body.trim());
      const loc = resp.headers.get('Location');
      if (loc) resource = new URL(loc, resp.url);
      conn = c;
      await pc.setRemoteDescription({ type: 'answer', sdp: body });
      await hello;
    })();
    let timer = 0;
    const deadline = new Promise((_, reject) => {
      timer = setTimeout(() => reject(new Error('WebRTC not up within ' + timeoutMs + ' ms')), timeoutMs);
    });
    try {
      await Promise.race([work, deadline]);
    } catch (e) {
      if (conn === c) conn = null;
      c.close();
      throw e;
    } finally {
      clearTimeout(timer);
    }
    up = true;
    dc.binaryType = 'arraybuffer';
    return c;
  }

  // lost handles the end of a live connection: reconnect after a second.
  function lost(c, why) {
    if (conn !== c) return;
    c.close();
    conn = null;
    state.transport = '';
    showError(why);
    setTimeout(connect, 1000);
  }

  async function connect() {
    if (mode === 'webrtc' || mode === 'auto') {
      try {
        conn = await connectWebRTC(mode === 'auto' ? 2000 : 10000);
        state.transport = 'webrtc';
        state.connects++;
        showError('');
        return;
      } catch (e) {
        showError(String(e.message || e));
        if (mode === 'webrtc') {
          setTimeout(connect, 2000);
          return;
        }
      }
    }
    try {
      conn = await connectWS(5000);
      state.transport = 'ws';
      state.connects++;
      showError('');
    } catch (e) {
      showError(String(e.message || e));
      setTimeout(connect, 1000);
    }
  }

  if (mode !== 'auto' && mode !== 'webrtc' && mode !== 'ws') {
    showError('transport must be auto, webrtc or ws, not ' + JSON.stringify(mode));
  } else {
    connect();
  }
})();
