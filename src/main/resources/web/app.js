/*
 * fanout live page. Plain JavaScript, no libraries, no build step, nothing fetched from
 * anywhere but the server that served it.
 *
 * One WebSocket to /ws with subprotocol "fanout.json" (docs/PROTOCOL.md):
 *   page -> server  {"op":"subscribe"|"unsubscribe","channel":c}, {"op":"publish","channel":c,"data":s}
 *   server -> page  {"channel":c,"data":s} (or "data64" for bytes that are not UTF-8),
 *                   {"event":"dropped","missed":n} under --slow-policy drop-oldest
 * Connection states: connecting -> open -> closed -> (backoff) -> connecting ...
 * The figures panel polls GET /stats once a second and keeps the last five minutes.
 */
(function () {
  'use strict';

  var MAX_MESSAGES = 500;          // the list keeps the newest 500 rows
  var MAX_SHOWN_CHARS = 280;       // a longer message is shown cut, with its length
  var CHART_SECONDS = 300;         // five minutes of deliveries/s
  var STATS_EVERY_MS = 1000;
  var BACKOFF_MS = [1000, 2000, 4000, 8000, 15000, 30000];

  var CLOSE_CODES = {
    1000: ['Closed', 'The server ended the session normally.'],
    1001: ['Server going away', 'The server is shutting down or restarting.'],
    1002: ['Protocol error', 'The server rejected a frame from this page as malformed.'],
    1003: ['Unsupported data', 'The server cannot accept this kind of message.'],
    1005: ['Closed without a status', 'The server closed the socket without giving a code.'],
    1006: ['Connection lost', 'The connection ended without a close frame: the server went away or the network dropped.'],
    1007: ['Invalid data', 'A text message from this page was not valid UTF-8.'],
    1008: ['Refused by policy', 'The server refused this connection by policy (token, origin or a limit).'],
    1009: ['Message too big', 'A message was larger than the server allows (--max-message).'],
    1011: ['Server error', 'The server hit an unexpected condition.'],
    1012: ['Server restarting', 'The server is restarting; try again shortly.'],
    1013: ['Slow consumer', 'This page did not keep up with the channel, so the server cut it to protect everyone else.'],
    1015: ['TLS failure', 'The secure connection could not be set up.']
  };
  // Close reasons the server names (CloseReason labels) and what they mean for a person.
  var REASONS = {
    'slow-hard': 'its backlog at the server passed the hard limit (--slow-threshold).',
    'slow-soft': 'its backlog stayed over the soft limit for too long (--soft-limit, --soft-seconds).',
    'slow-deadline': 'the server could not write a byte to it within the write deadline (--write-deadline).',
    'slow-budget': 'it held one of the largest backlogs when the server\u2019s total budget ran out (--max-pending-total).',
    'ping-timeout': 'it did not answer the server\u2019s ping in time.',
    'killed': 'an operator closed it (CLIENT KILL).',
    'shutdown': 'the server is shutting down.',
    'max-clients': 'the server already has as many clients as it allows (--max-clients).',
    'message-too-long': 'a message was larger than the server allows (--max-message).',
    'protocol-error': 'the server could not read what this page sent.',
    'auth-failed': 'the token is missing or wrong.',
    'idle-timeout': 'it was idle for too long.'
  };

  var $ = function (id) { return document.getElementById(id); };
  var el = {
    state: $('state'), reconnect: $('reconnect'), version: $('server-version'),
    joinForm: $('join-form'), channel: $('channel'), settings: $('settings'),
    token: $('token'), remember: $('remember'), tokenApply: $('token-apply'),
    banner: $('close-banner'), closeTitle: $('close-title'), closeReason: $('close-reason'),
    retryNote: $('retry-note'), bannerReconnect: $('banner-reconnect'),
    joined: $('joined-channel'), received: $('received'), rate: $('rate'), clear: $('clear'),
    list: $('messages'), jump: $('jump'), sendForm: $('send-form'), message: $('message'), send: $('send'),
    statsState: $('stats-state'), chart: $('chart'), figures: document.querySelector('.figures')
  };

  // ---- settings: channel and token from the URL first, then from this browser ----
  var query = new URLSearchParams(location.search);
  var store = safeStorage();
  var token = query.get('token') || store.get('fanout.token') || '';
  var channel = (query.get('channel') || store.get('fanout.channel') || 'broadcast').trim() || 'broadcast';
  el.channel.value = channel;
  el.token.value = token;
  el.remember.checked = !!store.get('fanout.token');
  el.settings.dataset.set = token ? '1' : '0';

  function safeStorage() {
    try {
      var s = window.localStorage;
      s.setItem('fanout.probe', '1');
      s.removeItem('fanout.probe');
      return { get: function (k) { return s.getItem(k); }, set: function (k, v) { if (v) { s.setItem(k, v); } else { s.removeItem(k); } } };
    } catch (e) {
      return { get: function () { return null; }, set: function () {} };
    }
  }

  function withToken(path) {
    var u = new URL(path, location.href);
    if (token) { u.searchParams.set('token', token); }
    return u;
  }

  function rememberInUrl() {
    var q = new URLSearchParams(location.search);
    if (channel === 'broadcast') { q.delete('channel'); } else { q.set('channel', channel); }
    if (token && q.has('token')) { q.set('token', token); }
    if (!token) { q.delete('token'); }
    var s = q.toString();
    history.replaceState(null, '', location.pathname + (s ? '?' + s : '') + location.hash);
  }

  // ---- the socket ----
  var ws = null;
  var joined = null;            // the channel the open socket is subscribed to
  var wantOpen = true;          // false after the person pressed Disconnect
  var attempt = 0;              // failed attempts since the last open, for the backoff
  var retryAt = 0;
  var retryTimer = null;
  var countdownTimer = null;
  var sentByMe = [];            // [channel, data] of our recent publishes, to mark their echo

  function setState(s) {
    el.state.dataset.state = s;
    el.state.textContent = s;
    var listenOnly = joined !== null && isPattern(joined);
    el.send.disabled = s !== 'open' || listenOnly;
    el.message.disabled = listenOnly;
    el.message.placeholder = listenOnly ? 'A pattern only listens: join a channel to send' : 'Say something to the channel\u2026';
    el.reconnect.textContent = s === 'closed' ? 'Reconnect' : 'Disconnect';
    document.title = (s === 'open' ? '' : '(' + s + ') ') + '#' + channel + ' \u00b7 fanout';
  }

  function connect() {
    cancelRetry();
    wantOpen = true;
    if (ws) {
      var old = ws;
      ws = null;
      old.onclose = null;
      try { old.close(1000, 'reconnect'); } catch (e) { /* already closed */ }
    }
    setState('connecting');
    var url = withToken('ws');
    url.protocol = location.protocol === 'https:' ? 'wss:' : 'ws:';
    var sock;
    try {
      sock = new WebSocket(url.href, 'fanout.json');
    } catch (e) {
      onClosed({ code: 1006, reason: String(e.message || e) }, false);
      return;
    }
    var opened = false;
    ws = sock;
    sock.binaryType = 'arraybuffer';
    sock.onopen = function () {
      if (ws !== sock) { return; }
      opened = true;
      attempt = 0;
      hideBanner();
      setState('open');
      joined = null;
      join(channel);
    };
    sock.onmessage = function (ev) {
      if (ws === sock) { onFrame(ev.data); }
    };
    sock.onclose = function (ev) {
      if (ws !== sock) { return; }
      ws = null;
      joined = null;
      onClosed(ev, opened);
    };
  }

  function disconnect() {
    wantOpen = false;
    cancelRetry();
    if (ws) {
      var sock = ws;
      ws = null;
      sock.onclose = null;
      sock.close(1000, 'bye');
    }
    joined = null;
    setState('closed');
    showBanner('Disconnected', 'You closed the connection.', '', 'info');
    addSystem('you disconnected', '');
  }

  function onClosed(ev, opened) {
    setState('closed');
    var d = describeClose(ev.code, ev.reason);
    if (!opened && ev.code === 1006) {
      d = { title: 'Could not connect \u00b7 1006', text: 'The server did not accept the WebSocket (not running, refused the handshake, or unreachable).' };
    }
    showBanner(d.title, d.text, '', 'bad');
    addSystem('closed \u00b7 ' + ev.code + ' ' + (ev.reason ? '\u201c' + ev.reason + '\u201d' : d.title.split(' \u00b7 ')[0]), 'bad');
    if (!wantOpen) { return; }
    if (!opened && ev.code === 1006) {
      probeWhyRefused();
    } else {
      if (ev.code === 1006 && cutsHistory.length) { hintSlowCut(cutsHistory[0]); }
      // 1013 is "try again later": a page cut for being slow waits a little longer.
      scheduleRetry(ev.code === 1013 ? 3000 : 0);
    }
  }

  function describeClose(code, reason) {
    var known = CLOSE_CODES[code] || ['Closed (' + code + ')', 'The connection ended.'];
    var title = known[0] + ' \u00b7 ' + code;
    var label = reason && (reason.match(/[a-z]+(?:-[a-z]+)+/) || [])[0];
    var why = label && REASONS[label];
    var text;
    if (reason) {
      text = 'The server said \u201c' + reason + '\u201d' + (why ? ': this page was closed because ' + why : '.');
      if (!why) { text += ' ' + known[1]; }
    } else {
      text = known[1];
    }
    return { title: title, text: text };
  }

  // A handshake refused before the upgrade (401 token, 403 origin) looks like 1006 to
  // JavaScript; ask /stats, which answers the same checks with a status we can read.
  function probeWhyRefused() {
    fetch(withToken('stats').href, { cache: 'no-store' }).then(function (r) {
      if (r.status === 401) {
        showBanner('Token needed', token ? 'The server rejected this token (401). Enter the right one under \u201cToken\u201d.'
          : 'The server needs a token (--requirepass). Enter it under \u201cToken\u201d.', '', 'bad');
        addSystem('the server answered 401: ' + (token ? 'wrong token' : 'it needs a token'), 'bad');
        el.settings.open = true;
        el.token.focus();
        return;
      }
      if (r.status === 403) {
        addSystem('the server answered 403: this origin may not connect', 'bad');
        showBanner('Origin not allowed', 'The server does not accept WebSocket connections from this page\u2019s origin (--allowed-origins).', '', 'bad');
      }
      scheduleRetry();
    }, function () {
      showBanner('Server unreachable', 'No answer from ' + location.host + '. Is fanout running?', '', 'bad');
      scheduleRetry();
    });
  }

  // A socket cut for being slow usually has no room left for the 1013 close frame, so the
  // page sees 1006. If /stats counted a slow-consumer cut in the last ~10 s, say so (a page
  // that fell behind gets the close event only after it has read what was buffered).
  function hintSlowCut(before) {
    fetch(withToken('stats').href, { cache: 'no-store' }).then(function (r) {
      return r.ok ? r.json() : null;
    }).then(function (s) {
      var after = s && s.slow_cuts;
      if (!after) { return; }
      var rules = Object.keys(after).filter(function (k) { return (after[k] || 0) > (before[k] || 0); });
      if (!rules.length) { return; }
      var why = REASONS[rules[0]] ? ' (' + rules[0] + ': ' + REASONS[rules[0]].replace(/\.$/, '') + ')' : '';
      addSystem('the server cut a slow consumer in the last seconds' + why + '; most likely this page, which fell behind', 'warn');
      if (!el.banner.hidden) {
        el.closeReason.textContent += ' The server cut a slow consumer in the last seconds (' + rules.join(', ') +
          '): most likely this page, which fell behind.';
      }
    }, function () { /* no figures, no hint */ });
  }

  function scheduleRetry(floorMs) {
    cancelRetry();
    var base = Math.max(floorMs || 0, BACKOFF_MS[Math.min(attempt, BACKOFF_MS.length - 1)]);
    attempt++;
    var delay = Math.round(base * (0.75 + Math.random() * 0.5));
    retryAt = Date.now() + delay;
    retryTimer = setTimeout(connect, delay);
    tickCountdown();
    countdownTimer = setInterval(tickCountdown, 250);
  }

  function tickCountdown() {
    var s = Math.max(0, Math.ceil((retryAt - Date.now()) / 1000));
    el.retryNote.textContent = 'Reconnecting in ' + s + ' s (attempt ' + attempt + ')';
  }

  function cancelRetry() {
    clearTimeout(retryTimer);
    clearInterval(countdownTimer);
    retryTimer = null;
    countdownTimer = null;
    el.retryNote.textContent = '';
  }

  function showBanner(title, text, note, kind) {
    el.closeTitle.textContent = title;
    el.closeReason.textContent = text;
    if (note) { el.retryNote.textContent = note; }
    el.banner.className = 'banner' + (kind === 'info' ? ' info' : '');
    el.banner.hidden = false;
  }

  function hideBanner() {
    el.banner.hidden = true;
  }

  function sendJson(obj) {
    if (ws && ws.readyState === WebSocket.OPEN) {
      ws.send(JSON.stringify(obj));
      return true;
    }
    return false;
  }

  // A name with a glob character (* ? [) is a pattern, as in Redis PSUBSCRIBE: the page
  // listens to every matching channel and cannot send (a message goes to one channel).
  function isPattern(name) {
    return /[*?[]/.test(name);
  }

  function join(ch) {
    if (joined === ch) { return; }
    if (joined !== null) {
      sendJson(isPattern(joined) ? { op: 'punsubscribe', pattern: joined } : { op: 'unsubscribe', channel: joined });
    }
    if (sendJson(isPattern(ch) ? { op: 'psubscribe', pattern: ch } : { op: 'subscribe', channel: ch })) {
      joined = ch;
      el.joined.textContent = ch;
      addSystem((isPattern(ch) ? 'listening to pattern ' : 'joined ') + ch, '');
      setState(el.state.dataset.state);
    }
  }

  // ---- incoming frames ----
  function onFrame(data) {
    if (typeof data !== 'string') {
      addMessage({ channel: joined, bytes: new Uint8Array(data) });
      return;
    }
    var m;
    try {
      m = JSON.parse(data);
    } catch (e) {
      addSystem('unreadable frame: ' + data.slice(0, 120), 'warn');
      return;
    }
    if (m === null || typeof m !== 'object') {
      return;
    }
    if (m.event) {
      onEvent(m);
    } else if ('data' in m || 'data64' in m) {
      addMessage(m);
    }
  }

  function onEvent(m) {
    if (m.event === 'dropped') {
      var n = Number(m.missed) || 0;
      addSystem('the server dropped ' + n + ' older message' + (n === 1 ? '' : 's') +
        ' for this page (drop-oldest: it fell behind)', 'warn');
    } else if (/^p?(un)?subscribed$/.test(m.event) || m.event === 'published') {
      // Acknowledgements: the join notice was already shown, and the echo shows a publish.
    } else if (m.event === 'error') {
      addSystem('server: ' + (m.error || m.message || JSON.stringify(m)), 'bad');
    } else {
      addSystem('event: ' + JSON.stringify(m), '');
    }
  }

  // ---- the message list: rows are built in batches, once per animation frame ----
  var pending = [];
  var drawQueued = false;
  var stickToBottom = true;
  var receivedTotal = 0;
  var receivedThisSecond = 0;

  function addMessage(m) {
    receivedTotal++;
    receivedThisSecond++;
    pending.push({ kind: 'msg', m: m, at: new Date(), joined: joined });
    queueDraw();
  }

  function addSystem(text, level) {
    pending.push({ kind: 'sys', text: text, level: level, at: new Date() });
    queueDraw();
  }

  function queueDraw() {
    if (!drawQueued) {
      drawQueued = true;
      requestAnimationFrame(drawPending);
      // rAF does not run in a hidden tab; a timer makes sure the list is still bounded.
      setTimeout(drawPending, 250);
    }
  }

  function drawPending() {
    if (!drawQueued) { return; }
    drawQueued = false;
    var batch = pending.length > MAX_MESSAGES ? pending.slice(pending.length - MAX_MESSAGES) : pending;
    pending = [];
    var list = el.list;
    var frag = document.createDocumentFragment();
    for (var i = 0; i < batch.length; i++) {
      frag.appendChild(batch[i].kind === 'msg' ? messageRow(batch[i].m, batch[i].at, batch[i].joined) : systemRow(batch[i]));
    }
    list.appendChild(frag);
    while (list.childElementCount > MAX_MESSAGES) {
      list.removeChild(list.firstElementChild);
    }
    if (stickToBottom) {
      list.scrollTop = list.scrollHeight;
    } else {
      el.jump.hidden = false;
    }
    el.received.textContent = receivedTotal.toLocaleString('en-US');
  }

  function messageRow(m, at, joinedThen) {
    var li = document.createElement('li');
    li.className = 'msg';
    var text;
    if (m.bytes || typeof m.data64 === 'string') {
      var bytes = m.bytes || decodeBase64(m.data64);
      li.className += ' bin';
      text = 'binary \u00b7 ' + bytes.length + ' bytes \u00b7 ' + hexPreview(bytes);
    } else {
      text = String(m.data);
      if (isMine(m.channel, text)) { li.className += ' mine'; }
      if (text.length > MAX_SHOWN_CHARS) {
        text = text.slice(0, MAX_SHOWN_CHARS) + '\u2026 (' + (text.length - MAX_SHOWN_CHARS).toLocaleString('en-US') + ' more characters)';
      }
    }
    li.appendChild(span('t', clock(at)));
    li.appendChild(span('data', text));
    if (m.pattern || (m.channel && m.channel !== joinedThen)) {
      li.appendChild(span('ch', '#' + m.channel + (m.pattern ? ' via ' + m.pattern : '')));
    }
    return li;
  }

  function systemRow(s) {
    var li = document.createElement('li');
    li.className = 'msg sys' + (s.level ? ' ' + s.level : '');
    li.appendChild(span('t', clock(s.at)));
    li.appendChild(span('data', s.text));
    return li;
  }

  function isMine(ch, text) {
    for (var i = 0; i < sentByMe.length && i < 32; i++) {
      if (sentByMe[i][0] === ch && sentByMe[i][1] === text) {
        sentByMe.splice(i, 1);
        return true;
      }
    }
    return false;
  }

  function span(cls, text) {
    var s = document.createElement('span');
    s.className = cls;
    s.textContent = text;
    return s;
  }

  function clock(d) {
    return d.toTimeString().slice(0, 8);
  }

  function decodeBase64(s) {
    try {
      var bin = atob(s);
      var out = new Uint8Array(bin.length);
      for (var i = 0; i < bin.length; i++) { out[i] = bin.charCodeAt(i); }
      return out;
    } catch (e) {
      return new Uint8Array(0);
    }
  }

  function hexPreview(bytes) {
    var parts = [];
    for (var i = 0; i < bytes.length && i < 24; i++) {
      parts.push((bytes[i] < 16 ? '0' : '') + bytes[i].toString(16));
    }
    return parts.join(' ') + (bytes.length > 24 ? ' \u2026' : '');
  }

  setInterval(function () {
    el.rate.textContent = String(receivedThisSecond);
    receivedThisSecond = 0;
  }, 1000);

  // ---- the figures panel ----
  var prevStats = null;
  var series = [];              // [{t: uptime seconds, v: deliveries/s}]
  var statsUpdates = 0;
  var cutsHistory = [];         // slow_cuts of the last ten /stats answers, for hintSlowCut
  var chartWindowEl = $('chart-window');

  function pollStats() {
    fetch(withToken('stats').href, { cache: 'no-store', headers: { Accept: 'application/json' } })
      .then(function (r) {
        if (r.status === 401) { throw new Error('needs a token'); }
        if (!r.ok) { throw new Error('HTTP ' + r.status); }
        return r.json();
      })
      .then(function (s) {
        renderStats(s);
        el.statsState.className = 'muted';
        el.statsState.textContent = 'live \u00b7 every second';
      }, function (e) {
        el.statsState.className = 'muted bad';
        el.statsState.textContent = '/stats: ' + (e && e.message ? e.message : 'unreachable');
      })
      .then(function () { setTimeout(pollStats, STATS_EVERY_MS); });
  }

  function renderStats(s) {
    statsUpdates++;
    el.figures.dataset.updates = String(statsUpdates);
    el.version.textContent = !s.version ? '' : /^\d/.test(s.version) ? 'v' + s.version : s.version;
    var dps = null;
    var pps = null;
    if (prevStats && s.uptime_ms > prevStats.uptime_ms) {
      var dt = (s.uptime_ms - prevStats.uptime_ms) / 1000;
      dps = Math.max(0, (s.deliveries - prevStats.deliveries) / dt);
      pps = Math.max(0, (s.published - prevStats.published) / dt);
    } else if (prevStats) {
      series = []; // the server restarted
    }
    prevStats = s;
    if (dps !== null) {
      series.push({ t: s.uptime_ms / 1000, v: dps });
      while (series.length && series[0].t < s.uptime_ms / 1000 - CHART_SECONDS) { series.shift(); }
    }
    setText('fig-dps', dps === null ? '\u2026' : compact(dps));
    setText('fig-pps', pps === null ? '\u2026' : compact(pps));
    setText('fig-backlog', bytes(s.pending_bytes));
    setText('fig-uptime', duration(s.uptime_ms));
    setText('fig-dropped', compact(s.dropped_messages || 0));
    setText('fig-published', (s.published || 0).toLocaleString('en-US'));
    setText('fig-deliveries', (s.deliveries || 0).toLocaleString('en-US'));

    var clients = s.clients || {};
    var max = 1;
    Object.keys(clients).forEach(function (k) { max = Math.max(max, clients[k] || 0); });
    ['ws', 'sse', 'line', 'resp', 'http'].forEach(function (k) {
      var n = clients[k] || 0;
      setText('clients-' + k, String(n));
      var bar = document.querySelector('#clients li[data-proto="' + k + '"] .bar i');
      if (bar) { bar.style.width = (n ? Math.max(3, 100 * n / max) : 0) + '%'; }
    });
    var cuts = s.slow_cuts || {};
    cutsHistory.push(cuts);
    if (cutsHistory.length > 10) { cutsHistory.shift(); }
    ['slow-hard', 'slow-soft', 'slow-deadline', 'slow-budget'].forEach(function (k) {
      var dd = $('cuts-' + k);
      dd.textContent = compact(cuts[k] || 0);
      dd.className = cuts[k] ? 'hot' : '';
    });
    drawChart();
  }

  function setText(id, text) {
    var e = $(id);
    if (e.textContent !== text) { e.textContent = text; }
  }

  function compact(n) {
    if (n >= 1e9) { return (n / 1e9).toFixed(n >= 1e10 ? 0 : 1) + 'G'; }
    if (n >= 1e6) { return (n / 1e6).toFixed(n >= 1e7 ? 0 : 1) + 'M'; }
    if (n >= 1e4) { return (n / 1e3).toFixed(n >= 1e5 ? 0 : 1) + 'k'; }
    return String(Math.round(n));
  }

  function bytes(n) {
    n = n || 0;
    if (n >= 1 << 30) { return (n / (1 << 30)).toFixed(1) + ' GiB'; }
    if (n >= 1 << 20) { return (n / (1 << 20)).toFixed(1) + ' MiB'; }
    if (n >= 1 << 10) { return (n / (1 << 10)).toFixed(1) + ' KiB'; }
    return n + ' B';
  }

  function duration(ms) {
    var s = Math.floor((ms || 0) / 1000);
    if (s < 60) { return s + 's'; }
    var m = Math.floor(s / 60);
    if (m < 60) { return m + 'm ' + (s % 60) + 's'; }
    var h = Math.floor(m / 60);
    if (h < 48) { return h + 'h ' + (m % 60) + 'm'; }
    return Math.floor(h / 24) + 'd ' + (h % 24) + 'h';
  }

  function niceCeil(v) {
    if (v <= 10) { return 10; }
    var p = Math.pow(10, Math.floor(Math.log10(v)));
    var steps = [1, 2, 2.5, 5, 10];
    for (var i = 0; i < steps.length; i++) {
      if (steps[i] * p >= v) { return steps[i] * p; }
    }
    return 10 * p;
  }

  function drawChart() {
    var c = el.chart;
    var dpr = window.devicePixelRatio || 1;
    var w = c.clientWidth;
    var h = c.clientHeight;
    if (!w || !h) { return; }
    if (c.width !== Math.round(w * dpr) || c.height !== Math.round(h * dpr)) {
      c.width = Math.round(w * dpr);
      c.height = Math.round(h * dpr);
    }
    var g = c.getContext('2d');
    g.setTransform(dpr, 0, 0, dpr, 0, 0);
    g.clearRect(0, 0, w, h);
    var css = getComputedStyle(document.documentElement);
    var ink = css.getPropertyValue('--muted').trim() || '#888';
    var line = css.getPropertyValue('--line').trim() || '#ddd';
    var accent = css.getPropertyValue('--accent').trim() || '#4f46e5';
    var left = 40;
    var bottom = h - 16;
    var top = 6;
    var peak = 0;
    for (var i = 0; i < series.length; i++) { peak = Math.max(peak, series[i].v); }
    var ymax = niceCeil(peak);
    g.font = '11px system-ui, sans-serif';
    g.fillStyle = ink;
    g.strokeStyle = line;
    g.lineWidth = 1;
    g.textAlign = 'right';
    g.textBaseline = 'middle';
    for (var k = 0; k <= 2; k++) {
      var y = Math.round(bottom - (bottom - top) * k / 2) + 0.5;
      g.beginPath();
      g.moveTo(left, y);
      g.lineTo(w, y);
      g.stroke();
      g.fillText(compact(ymax * k / 2), left - 6, y);
    }
    g.textAlign = 'left';
    g.textBaseline = 'alphabetic';
    // The window grows with the data, from one minute to CHART_SECONDS.
    var span = series.length > 1 ? series[series.length - 1].t - series[0].t : 0;
    var windowSec = Math.min(CHART_SECONDS, Math.max(60, Math.ceil(span / 60) * 60));
    var legend = 'last ' + (windowSec / 60) + ' min';
    if (chartWindowEl.textContent !== legend) { chartWindowEl.textContent = legend; }
    g.fillText('\u2212' + (windowSec / 60) + ' min', left, h - 2);
    g.textAlign = 'right';
    g.fillText('now', w, h - 2);
    if (series.length < 2) { return; }
    var tEnd = series[series.length - 1].t;
    var x = function (t) { return left + (w - left) * (1 - (tEnd - t) / windowSec); };
    var yOf = function (v) { return bottom - (bottom - top) * (v / ymax); };
    g.beginPath();
    g.moveTo(x(series[0].t), bottom);
    for (var j = 0; j < series.length; j++) { g.lineTo(x(series[j].t), yOf(series[j].v)); }
    g.lineTo(x(tEnd), bottom);
    g.closePath();
    var fill = g.createLinearGradient(0, top, 0, bottom);
    fill.addColorStop(0, hexAlpha(accent, 0.35));
    fill.addColorStop(1, hexAlpha(accent, 0.02));
    g.fillStyle = fill;
    g.fill();
    g.beginPath();
    for (var n = 0; n < series.length; n++) {
      var px = x(series[n].t);
      var py = yOf(series[n].v);
      if (n === 0) { g.moveTo(px, py); } else { g.lineTo(px, py); }
    }
    g.strokeStyle = accent;
    g.lineWidth = 2;
    g.lineJoin = 'round';
    g.stroke();
  }

  function hexAlpha(color, a) {
    var m = /^#([0-9a-f]{6})$/i.exec(color);
    if (!m) { return color; }
    var v = parseInt(m[1], 16);
    return 'rgba(' + (v >> 16) + ',' + ((v >> 8) & 255) + ',' + (v & 255) + ',' + a + ')';
  }

  // ---- wiring ----
  el.joinForm.addEventListener('submit', function (e) {
    e.preventDefault();
    var ch = el.channel.value.trim();
    if (!ch) { return; }
    channel = ch;
    store.set('fanout.channel', ch === 'broadcast' ? '' : ch);
    rememberInUrl();
    setState(el.state.dataset.state);
    if (ws && ws.readyState === WebSocket.OPEN) {
      join(ch);
    } else {
      connect();
    }
  });

  el.sendForm.addEventListener('submit', function (e) {
    e.preventDefault();
    var text = el.message.value;
    if (!text || joined === null || isPattern(joined)) { return; }
    if (sendJson({ op: 'publish', channel: joined, data: text })) {
      sentByMe.push([joined, text]);
      if (sentByMe.length > 64) { sentByMe.shift(); }
      el.message.value = '';
    }
    el.message.focus();
  });

  function applyToken() {
    token = el.token.value.trim();
    store.set('fanout.token', el.remember.checked ? token : '');
    el.settings.dataset.set = token ? '1' : '0';
    if (token) {
      var q = new URLSearchParams(location.search);
      q.set('token', token);
      history.replaceState(null, '', location.pathname + '?' + q.toString() + location.hash);
    } else {
      rememberInUrl();
    }
    el.settings.open = false;
    connect();
  }
  el.tokenApply.addEventListener('click', applyToken);
  el.token.addEventListener('keydown', function (e) {
    if (e.key === 'Enter') { e.preventDefault(); applyToken(); }
  });
  el.remember.addEventListener('change', function () {
    store.set('fanout.token', el.remember.checked ? el.token.value.trim() : '');
  });

  el.reconnect.addEventListener('click', function () {
    if (el.state.dataset.state === 'closed') {
      attempt = 0;
      connect();
    } else {
      disconnect();
    }
  });
  el.bannerReconnect.addEventListener('click', function () {
    attempt = 0;
    connect();
  });
  el.clear.addEventListener('click', function () {
    el.list.textContent = '';
    el.jump.hidden = true;
  });
  el.jump.addEventListener('click', function () {
    stickToBottom = true;
    el.list.scrollTop = el.list.scrollHeight;
    el.jump.hidden = true;
  });
  // The list follows the newest row until the person scrolls up; it follows again once they
  // scroll back down (or press "new messages"). Layout changes (the banner) keep it stuck.
  el.list.addEventListener('scroll', function () {
    stickToBottom = el.list.scrollHeight - el.list.scrollTop - el.list.clientHeight < 48;
    if (stickToBottom) { el.jump.hidden = true; }
  });
  if (window.ResizeObserver) {
    new ResizeObserver(function () {
      if (stickToBottom) { el.list.scrollTop = el.list.scrollHeight; }
    }).observe(el.list);
  }
  window.addEventListener('resize', drawChart);
  // Leaving the page closes the socket, also when the browser keeps the page in its
  // back/forward cache (a frozen page would otherwise stay subscribed without reading);
  // coming back to it reconnects.
  window.addEventListener('pagehide', function () {
    cancelRetry();
    if (ws) {
      var sock = ws;
      ws = null;
      sock.onclose = null;
      sock.close(1001, 'page left');
    }
  });
  window.addEventListener('pageshow', function (e) {
    if (e.persisted && wantOpen) { connect(); }
  });

  setState('connecting');
  connect();
  pollStats();
  drawChart();
}());
