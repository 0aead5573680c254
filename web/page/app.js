/* SPDX-License-Identifier: GPL-3.0-or-later */
/* rollmat live view and playback: plain JavaScript, no framework, no
 * network beyond its own server (/api/...). Snapshots arrive as
 * Server-Sent Events (/api/stream), each the whole state, so a missed one
 * costs nothing. docs/live.md describes the snapshot's keys. */
'use strict';

const $ = (id) => document.getElementById(id);
let mode = 'live';
let last = null;
let timeline = null;
let seeking = false;

/* A fixed colour scale (dark blue, blue, cyan, green, yellow, red, white):
 * the same colour is the same pressure on every frame and every mat. */
const STOPS = [[0, [8, 12, 40]], [0.15, [30, 60, 200]], [0.35, [0, 190, 220]],
  [0.55, [60, 210, 80]], [0.75, [250, 220, 40]], [0.92, [240, 40, 30]], [1, [255, 255, 255]]];
const PALETTE = [];
for (let i = 0; i < 256; i++) {
  const f = i / 255;
  let k = 0;
  while (k < STOPS.length - 2 && f > STOPS[k + 1][0]) k++;
  const [f0, c0] = STOPS[k], [f1, c1] = STOPS[k + 1];
  const u = Math.min(1, Math.max(0, (f - f0) / (f1 - f0)));
  PALETTE.push(c0.map((v, j) => Math.round(v + u * (c1[j] - v))));
}

function fmt(v, digits) {
  return v === null || v === undefined || !isFinite(v) ? '\u2013' : v.toFixed(digits);
}
function mmss(s) {
  if (s === null || s === undefined || !isFinite(s)) return '0:00';
  s = Math.max(0, s);
  const m = Math.floor(s / 60), r = Math.floor(s % 60);
  return m + ':' + String(r).padStart(2, '0');
}
function mmsst(s) {
  const t = Math.floor((s % 1) * 10);
  return mmss(s) + '.' + t;
}
function b64bytes(s) {
  const bin = atob(s);
  const out = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
  return out;
}
function say(text, isErr) {
  $('msg').textContent = text;
  $('msg').className = isErr ? 'msg err' : 'msg';
}

function drawScale(snap) {
  const c = $('scale'), g = c.getContext('2d');
  for (let y = 0; y < c.height; y++) {
    const p = PALETTE[Math.round(255 * (1 - y / (c.height - 1)))];
    g.fillStyle = `rgb(${p[0]},${p[1]},${p[2]})`;
    g.fillRect(0, y, c.width, 1);
  }
  const lab = $('scale-labels');
  lab.textContent = '';
  const unit = snap.units === 'kPa' ? ' kPa' : ' counts';
  for (let i = 0; i <= 4; i++) {
    const sp = document.createElement('span');
    sp.style.top = (100 - i * 25) + '%';
    sp.textContent = Math.round(snap.scale_max * i / 4) + (i === 4 ? unit + '+' : unit);
    lab.appendChild(sp);
  }
  const note = $('units-note');
  if (snap.units === 'kPa') {
    note.textContent = 'Pressure in kPa (the mat\'s calibration); white outline: contact.';
    note.className = 'units-note';
  } else {
    note.textContent = 'NO CALIBRATION: the map, force and pressures are raw sensor counts, not kPa or N.';
    note.className = 'units-note counts';
  }
  $('force-u').textContent = snap.units === 'kPa' ? 'N' : 'counts (sum)';
  document.querySelectorAll('.p-u').forEach((e) => { e.textContent = snap.units; });
}

let scaleKey = '';
function drawMap(snap) {
  const c = $('map'), g = c.getContext('2d');
  const rows = snap.rows, cols = snap.cols;
  const wmm = cols * snap.pitch_x_mm, hmm = rows * snap.pitch_y_mm;
  const k = Math.min(c.width / wmm, c.height / hmm);
  const cw = snap.pitch_x_mm * k, ch = snap.pitch_y_mm * k;
  g.fillStyle = '#000';
  g.fillRect(0, 0, c.width, c.height);
  if (!snap.map) return;
  const q = b64bytes(snap.map), mask = b64bytes(snap.contact);
  for (let i = 0; i < rows; i++) {
    for (let j = 0; j < cols; j++) {
      const p = PALETTE[q[i * cols + j]];
      g.fillStyle = `rgb(${p[0]},${p[1]},${p[2]})`;
      g.fillRect(j * cw, i * ch, Math.ceil(cw), Math.ceil(ch));
    }
  }
  /* The contact outline: the edges between contact and no contact. */
  const inC = (i, j) => i >= 0 && j >= 0 && i < rows && j < cols &&
    (mask[(i * cols + j) >> 3] >> ((i * cols + j) & 7)) & 1;
  g.strokeStyle = '#fff';
  g.lineWidth = 2;
  g.beginPath();
  for (let i = 0; i < rows; i++) {
    for (let j = 0; j < cols; j++) {
      if (!inC(i, j)) continue;
      if (!inC(i - 1, j)) { g.moveTo(j * cw, i * ch); g.lineTo((j + 1) * cw, i * ch); }
      if (!inC(i + 1, j)) { g.moveTo(j * cw, (i + 1) * ch); g.lineTo((j + 1) * cw, (i + 1) * ch); }
      if (!inC(i, j - 1)) { g.moveTo(j * cw, i * ch); g.lineTo(j * cw, (i + 1) * ch); }
      if (!inC(i, j + 1)) { g.moveTo((j + 1) * cw, i * ch); g.lineTo((j + 1) * cw, (i + 1) * ch); }
    }
  }
  g.stroke();
  /* The CoP trail of the last 3 s, fading, and the CoP now. */
  const tr = snap.trail || [];
  for (let n = 1; n < tr.length; n++) {
    if (!tr[n] || !tr[n - 1]) continue;
    g.strokeStyle = `rgba(255,0,255,${0.2 + 0.8 * n / tr.length})`;
    g.lineWidth = 3;
    g.beginPath();
    g.moveTo(tr[n - 1][0] * k, tr[n - 1][1] * k);
    g.lineTo(tr[n][0] * k, tr[n][1] * k);
    g.stroke();
  }
  if (snap.cop_x_mm !== null) {
    g.fillStyle = '#ff00ff';
    g.beginPath();
    g.arc(snap.cop_x_mm * k, snap.cop_y_mm * k, 7, 0, 2 * Math.PI);
    g.fill();
  }
}

function spark(id, hist, col) {
  const c = $(id), g = c.getContext('2d');
  g.clearRect(0, 0, c.width, c.height);
  const v = hist.map((h) => h[col]).filter((x) => x !== null);
  if (v.length < 2) return;
  const max = Math.max(...v, 1e-9);
  g.strokeStyle = '#58a6ff';
  g.lineWidth = 2;
  g.beginPath();
  let started = false;
  hist.forEach((h, n) => {
    const x = (60 - hist.length + n) / 59 * c.width;
    if (h[col] === null) { started = false; return; }
    const y = c.height - 2 - (h[col] / max) * (c.height - 4);
    if (started) g.lineTo(x, y); else g.moveTo(x, y);
    started = true;
  });
  g.stroke();
}

function setBox(id, cls) {
  $(id).className = 'big ' + cls;
}

function coach(snap) {
  const t = snap.targets;
  const top = t.hold_hi_s * 1.2;
  $('hold-band').style.left = (100 * t.hold_lo_s / top) + '%';
  $('hold-band').style.width = (100 * (t.hold_hi_s - t.hold_lo_s) / top) + '%';
  if (snap.holding) {
    $('hold-timer').textContent = snap.hold_s.toFixed(1) + ' s';
    $('hold-timer').dataset.value = snap.hold_s;
    $('hold-fill').style.width = Math.min(100, 100 * snap.hold_s / top) + '%';
    if (snap.hold_s < t.hold_lo_s) {
      setBox('hold-box', 'low');
      $('hold-state').textContent = `holding: stay until ${t.hold_lo_s} s`;
    } else if (snap.hold_s <= t.hold_hi_s) {
      setBox('hold-box', 'good');
      $('hold-state').textContent = `in the band (${t.hold_lo_s}\u2013${t.hold_hi_s} s)`;
    } else {
      setBox('hold-box', 'over');
      $('hold-state').textContent = 'long enough: move on';
    }
  } else {
    $('hold-timer').textContent = '\u2013';
    $('hold-timer').dataset.value = 0;
    $('hold-fill').style.width = '0';
    setBox('hold-box', 'low');
    $('hold-state').textContent = snap.last_hold_s !== null
      ? `last hold ${snap.last_hold_s.toFixed(1)} s (${snap.holds} so far)`
      : `stay on a tender spot ${t.hold_lo_s}\u2013${t.hold_hi_s} s`;
  }
  $('cadence').textContent = fmt(snap.cadence_cpm, 0);
  $('passes').textContent = snap.passes;
  $('cadence-band').textContent = `${t.cadence_lo_cpm}\u2013${t.cadence_hi_cpm}`;
  if (snap.cadence_cpm === null) setBox('cadence-box', 'low');
  else if (snap.cadence_cpm < t.cadence_lo_cpm) setBox('cadence-box', 'low');
  else if (snap.cadence_cpm <= t.cadence_hi_cpm) setBox('cadence-box', 'good');
  else setBox('cadence-box', 'over');
  $('region-time').textContent = mmss(snap.session_s);
  $('contact-time').textContent = mmss(snap.contact_s);
  if (t.zone_lo_kpa !== null) {
    $('zone-box').hidden = false;
    $('zone-band').textContent = `${t.zone_lo_kpa}\u2013${t.zone_hi_kpa} kPa`;
    const m = snap.mean_kpa;
    if (m === null) { $('zone-state').textContent = '\u2013'; setBox('zone-box', 'low'); }
    else if (m < t.zone_lo_kpa) { $('zone-state').textContent = 'press more'; setBox('zone-box', 'low'); }
    else if (m <= t.zone_hi_kpa) { $('zone-state').textContent = 'in zone'; setBox('zone-box', 'good'); }
    else { $('zone-state').textContent = 'ease off'; setBox('zone-box', 'over'); }
  }
}

function link(snap) {
  const l = snap.link;
  if (snap.mode === 'playback') {
    const pb = snap.playback;
    $('link-mat').textContent = 'recording: ' + pb.file;
    $('link-lost').textContent = 'lost frames: ' + snap.seq_lost;
    $('link-reconnects').textContent = '';
    $('link-rec').textContent = '';
    $('link-elapsed').textContent = '';
    $('link-view').textContent = '';
    return;
  }
  if (!l) return;
  const mat = !l.daemon ? 'daemon: not answering' : l.connected === '1'
    ? `mat: ${l.model || ''} #${l.serial || ''} ${l.rate_hz || ''} Hz`
    : l.away === '1' ? 'mat: AWAY (waiting for it)' : 'mat: not connected';
  $('link-mat').textContent = mat;
  $('link-mat').className = l.daemon && l.connected === '1' ? '' : 'bad';
  $('link-lost').textContent = 'lost frames: ' + (l.lost || snap.seq_lost || 0);
  $('link-reconnects').textContent = 'reconnects: ' + l.reconnects;
  if (l.recording === '1') {
    $('link-rec').textContent = '\u25cf REC ' + (l.file || '').split('/').pop();
    $('link-rec').className = 'rec';
    $('link-elapsed').textContent = mmss(parseFloat(l.duration_s)) + ' \u00b7 ' + (l.frames || 0) + ' frames';
  } else {
    $('link-rec').textContent = 'not recording';
    $('link-rec').className = '';
    $('link-elapsed').textContent = '';
  }
  $('link-view').textContent = 'view skipped: ' + l.live_dropped + ' frames';
  /* The region: the recording's name is SUBJECT_REGION_SIDE_DATE.h5. */
  const parts = (l.file || '').split('/').pop().split('_');
  const region = l.region || (l.recording === '1' && parts.length >= 4 ? parts[1] : '');
  $('region-name').textContent = (region || 'this region').toUpperCase();
}

function render(snap) {
  last = snap;
  if (snap.mode !== mode) setMode(snap.mode);
  if (!snap.configured) { $('link-mat').textContent = 'mat: waiting for the first frame'; link(snap); return; }
  const key = snap.units + snap.scale_max;
  if (key !== scaleKey) { drawScale(snap); scaleKey = key; }
  drawMap(snap);
  $('force').textContent = fmt(snap.force_n, 1);
  $('force').dataset.value = snap.force_n;
  $('peak').textContent = fmt(snap.peak_kpa, 1);
  $('mean').textContent = fmt(snap.mean_kpa, 1);
  $('area').textContent = fmt(snap.area_cm2, 1);
  const h = snap.history || [];
  spark('spark-force', h, 0);
  spark('spark-peak', h, 1);
  spark('spark-mean', h, 2);
  spark('spark-area', h, 3);
  coach(snap);
  link(snap);
  if (snap.mode === 'playback') player(snap.playback);
}

/* --- actions ------------------------------------------------------------ */

async function act(name, fields) {
  try {
    const r = await fetch('/api/' + name, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify(fields || {}),
    });
    const j = await r.json();
    if (mode === 'live') say(j.ok ? `${name}: ${j.reply}` : `${name} refused: ${j.reply || j.error}`, !j.ok);
    return j;
  } catch (e) {
    say(`${name}: no answer from the server (${e})`, true);
    return { ok: false };
  }
}

$('start-form').addEventListener('submit', (e) => {
  e.preventDefault();
  act('start', {
    subject: $('f-subject').value.trim(), region: $('f-region').value.trim(),
    side: $('f-side').value, roller: $('f-roller').value.trim(),
  });
});
$('btn-stop').addEventListener('click', () => act('stop'));
$('mark-form').addEventListener('submit', (e) => {
  e.preventDefault();
  act('mark', { text: $('mark-text').value.trim() || 'mark' }).then((j) => {
    if (j.ok) $('mark-text').value = '';
  });
});
for (let n = 0; n <= 10; n++) {
  const b = document.createElement('button');
  b.type = 'button';
  b.id = 'pain-' + n;
  b.textContent = n;
  b.title = `pain ${n} of 10`;
  b.addEventListener('click', () => act('pain', { n: String(n) }));
  $('pain-buttons').appendChild(b);
}

/* --- playback ----------------------------------------------------------- */

function player(pb) {
  $('pb-time').textContent = mmsst(pb.t_s);
  $('pb-time').dataset.value = pb.t_s;
  $('pb-duration').textContent = mmss(pb.duration_s);
  $('pb-file').textContent = pb.file;
  $('pb-play').textContent = pb.playing ? 'Pause' : 'Play';
  if (!seeking && pb.duration_s > 0) $('pb-seek').value = Math.round(1000 * pb.t_s / pb.duration_s);
  if (timeline && pb.duration_s > timeline.duration_s + 1) loadTimeline();
  drawTimeline(pb.t_s);
}

function seek(t) {
  return act('seek', { t: String(t) });
}

function drawTimeline(pos) {
  const c = $('timeline'), g = c.getContext('2d');
  g.clearRect(0, 0, c.width, c.height);
  if (!timeline || !(timeline.duration_s > 0)) return;
  const X = (t) => t / timeline.duration_s * c.width;
  g.fillStyle = '#6c7a89';
  timeline.passes.forEach((p) => g.fillRect(X(p.t_s), 2, 1, 10));
  g.fillStyle = '#5ee89b';
  timeline.holds.forEach((h) => g.fillRect(X(h.t_s), 14, Math.max(2, X(h.duration_s)), 12));
  g.fillStyle = '#ffb347';
  timeline.gaps.forEach((gp) => g.fillRect(X(gp.t_s), 28, 3, 10));
  timeline.events.forEach((e) => {
    if (e.kind === 'mark' || e.kind === 'note') { g.fillStyle = '#58a6ff'; g.fillRect(X(e.t_s) - 1, 40, 3, 14); }
    if (e.kind === 'pain') { g.fillStyle = '#ff7b72'; g.font = '12px sans-serif'; g.fillText(String(e.value), X(e.t_s) - 3, 52); }
    if (e.kind === 'disconnect' || e.kind === 'gap') { g.fillStyle = '#ffb347'; g.fillRect(X(e.t_s), 28, 3, 10); }
  });
  g.fillStyle = '#fff';
  g.fillRect(X(pos) - 1, 0, 2, c.height);
}

async function loadTimeline() {
  try {
    const r = await fetch('/api/timeline');
    timeline = await r.json();
  } catch (e) {
    return;
  }
  const j = $('jumps');
  j.textContent = '';
  const add = (label, t) => {
    const b = document.createElement('button');
    b.type = 'button';
    b.textContent = `${label} ${mmss(t)}`;
    b.addEventListener('click', () => seek(t));
    j.appendChild(b);
  };
  timeline.holds.forEach((h) => add(`hold ${h.duration_s.toFixed(0)} s`, h.t_s));
  timeline.events.forEach((e) => {
    if (e.kind === 'mark' || e.kind === 'note') add(`mark "${e.text}"`, e.t_s);
    else if (e.kind === 'pain') add(`pain ${e.value}`, e.t_s);
    else if (e.kind === 'gap' || e.kind === 'disconnect') add(e.kind, e.t_s);
  });
  timeline.gaps.forEach((gp) => add(`gap ${gp.frames} frames`, gp.t_s));
}

function setMode(m) {
  mode = m;
  $('mode').textContent = m;
  $('controls').hidden = m !== 'live';
  $('player').hidden = m !== 'playback';
  document.title = m === 'live' ? 'rollmat live' : 'rollmat playback';
  if (m === 'playback') loadTimeline();
}

$('pb-play').addEventListener('click', () => act(last && last.playback && last.playback.playing ? 'pause' : 'play'));
$('pb-speed').addEventListener('change', () => act('speed', { x: $('pb-speed').value }));
$('pb-seek').addEventListener('input', () => { seeking = true; });
$('pb-seek').addEventListener('change', () => {
  seeking = false;
  if (last && last.playback) seek(last.playback.duration_s * $('pb-seek').value / 1000);
});
$('timeline').addEventListener('click', (e) => {
  if (!timeline) return;
  const r = $('timeline').getBoundingClientRect();
  seek(timeline.duration_s * (e.clientX - r.left) / r.width);
});

/* --- the stream ----------------------------------------------------------- */

const es = new EventSource('/api/stream');
es.onmessage = (e) => {
  try { render(JSON.parse(e.data)); } catch (err) { say('bad snapshot: ' + err, true); }
};
es.onerror = () => { $('link-view').textContent = 'view: reconnecting to the server\u2026'; };
fetch('/api/info').then((r) => r.json()).then((i) => setMode(i.mode)).catch(() => {});
