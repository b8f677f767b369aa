// Reprokit popup: draws the state the service worker holds and sends the
// user's clicks to it. popup.html?tabId=N records tab N instead of the
// active tab (tests open the popup in a tab and click its buttons).
'use strict';

const $ = (id) => document.getElementById(id);
const t = (name, subs) => chrome.i18n.getMessage(name, subs) || name;

// The status element's text starts with the English phase word (a stable
// hook for tests and support) in a visually hidden span, so a user sees
// only the localized words that follow. starting shows as idle and
// stopping as saving, so a test that waits for "recording" sees a running
// capture. The phase itself is also in the element's data-phase.
const STATUS_WORD = {
  idle: 'idle', starting: 'idle', recording: 'recording', paused: 'paused', stopping: 'saving',
  review: 'review', saving: 'saving', done: 'done', error: 'error',
};
const STATUS_TEXT = {
  idle: 'stIdle', starting: 'stStarting', recording: 'stRecording', paused: 'stPaused', stopping: 'stStopping',
  review: 'stReview', saving: 'stSaving', done: 'stDone', error: 'stError',
};
const FIELDS = ['description', 'email', 'plan', 'workspace', 'customApp', 'safetyMessage'];
// Remembered between recordings: who the reporter is, not what happened.
const REMEMBERED = ['email', 'plan', 'workspace', 'customApp'];

// state is the worker's state; null until the worker has answered. The
// popup draws no phase and no button before that: a default "idle" drawn
// at load time was read (and clicked) as the worker's state while the
// worker still held a finished recording (issue 5: New recording seemed not
// to reset the popup).
let state = null;
let recovered = []; // bundles of earlier, interrupted recordings (apart from state)
let tabId = null;
const dropped = new Set(); // screenshots the reporter deleted in the review
let dropReplay = false; // the reporter left the DOM session replay out
const excluded = new Set(); // domains the reporter excluded
const allowed = new Set(); // finding kinds the reporter allows after a refused save

// The port to the service worker. Chrome may stop and restart the worker
// while the popup stays open (its port then disconnects); a click must not
// be lost on the dead port, so the popup connects again and the worker
// answers with its state.
let port = null;

function connect() {
  const p = chrome.runtime.connect({ name: 'popup' });
  p.onMessage.addListener((m) => {
    if (m.type === 'image') {
      showImage(m.file, m.src);
      return;
    }
    if (m.type === 'state') {
      const before = state && state.review;
      state = m.state || { phase: 'idle' };
      if (state.review && state.review !== before) previewPending = false;
      if (state.phase !== 'review' && state.phase !== 'saving') { shotList = null; dropped.clear(); dropReplay = false; excluded.clear(); blackouts.length = 0; closeViewer(); }
      recovered = m.recovered || [];
      draw();
    }
  });
  p.onDisconnect.addListener(() => {
    if (port === p) port = null;
  });
  port = p;
}

function send(type, extra) {
  const m = Object.assign({ type }, extra || {});
  for (let i = 0; i < 2; i++) {
    if (!port) connect();
    try {
      port.postMessage(m);
      return;
    } catch (_) {
      port = null; // disconnected: connect again once
    }
  }
}

function localize() {
  document.documentElement.lang = chrome.i18n.getUILanguage();
  for (const el of document.querySelectorAll('[data-i18n]')) el.textContent = t(el.dataset.i18n);
  for (const el of document.querySelectorAll('[data-i18n-placeholder]')) el.placeholder = t(el.dataset.i18nPlaceholder);
}

function fmtBytes(n) {
  n = n || 0;
  if (n < 1024) return n + ' B';
  if (n < 1 << 20) return (n / 1024).toFixed(1) + ' KB';
  return (n / (1 << 20)).toFixed(1) + ' MB';
}

function fmtElapsed(ms) {
  const s = Math.floor((ms || 0) / 1000);
  const m = Math.floor(s / 60);
  return m + ':' + String(s % 60).padStart(2, '0');
}

// STOP_TEXT maps the host's stop codes (docs/PROTOCOL.md, "Stop codes") to
// their messages; the Stop button needs no words.
const STOP_TEXT = {
  'tab-closed': 'reasonTabClosed', cancelled: 'reasonCancelled', 'max-duration': 'reasonMaxDuration',
  'max-size': 'reasonMaxSize', crashed: 'reasonCrashed', detached: 'reasonDetached', ended: 'reasonEnded',
};

function stopReasonText(code) {
  return STOP_TEXT[code] ? t(STOP_TEXT[code]) : '';
}

function errorText(e) {
  if (!e) return { message: t('errUnknown'), fix: '' };
  // Numbered host errors (docs/PROTOCOL.md) and the service worker's own
  // (named) errors have localized texts; the message the host or worker
  // sent is the fallback.
  const known = {
    5: ['errVersion', 'fixVersion'], 6: ['errOrigin', 'fixOrigin'], 12: ['errCannotRecord', 'fixCannotRecord'],
    13: ['errAttach', 'fixAttach'], 21: ['errSave', 'fixSave'], 22: ['errSecrets', 'fixSecrets'],
    hostMissing: ['errHostMissing', 'fixHostMissing'], hostExited: ['errHostExited', 'fixHostExited'],
    hostExitedRecording: ['errHostExitedRecording', 'fixHostExitedRecording'],
    cannotRecord: ['errCannotRecord', 'fixCannotRecord'], attachFailed: ['errAttach', 'fixAttach'],
    tabClosed: ['errTabGone', 'fixTabGone'], 23: ['errOpen', 'fixOpen'],
  };
  const k = known[e.code];
  if (k) {
    const fixSubs = e.code === 'hostExitedRecording' ? [e.outDir || t('defaultOutDir')]
      : e.code === 23 ? [e.path || ''] : [e.host || '', e.extension || ''];
    return { message: t(k[0], [e.detail || e.message || '']), fix: t(k[1], fixSubs) };
  }
  return { message: e.message || t('errUnknown'), fix: e.fix || '' };
}

function draw() {
  if (!state) {
    $('status-word').textContent = '';
    $('status-text').textContent = '';
    $('status').dataset.phase = '';
    for (const id of ['idle', 'recording', 'review', 'done', 'error', 'notice', 'recovered', 'autosave']) $(id).hidden = true;
    return;
  }
  drawRecovered();
  const ph = state.phase || 'idle';
  let detail = t(STATUS_TEXT[ph] || 'stIdle');
  if (ph === 'recording' || ph === 'paused') detail += ' ' + fmtElapsed(state.elapsedMs);
  const reason = stopReasonText(state.stopCode);
  if (reason && ['stopping', 'review', 'saving', 'done'].includes(ph)) detail += ' — ' + reason;
  if (ph === 'error' && state.error) detail = errorText(state.error).message;
  $('status-word').textContent = (STATUS_WORD[ph] || ph) + ': ';
  $('status-text').textContent = detail;
  $('status').dataset.phase = STATUS_WORD[ph] || ph;

  // skipping the review is a setting of the host (REPROKIT_AUTO_SAVE=1)
  // or of the administrator (autoSave): the reporter is told
  $('autosave').hidden = !(state.autoSave && ['idle', 'starting', 'recording', 'paused', 'stopping'].includes(ph));
  $('idle').hidden = !(ph === 'idle');
  $('recording').hidden = !(ph === 'recording' || ph === 'paused' || ph === 'starting' || ph === 'stopping');
  $('review').hidden = !(ph === 'review' || (ph === 'saving' && state.review));
  $('done').hidden = ph !== 'done';
  $('error').hidden = ph !== 'error';

  const busy = ph === 'starting' || ph === 'stopping';
  $('stop').disabled = busy;
  $('pause').hidden = ph === 'paused';
  $('resume').hidden = ph !== 'paused';
  $('pause').disabled = busy;
  $('screenshot').disabled = ph !== 'recording';
  $('note').disabled = !(ph === 'recording' || ph === 'paused');
  $('save').disabled = ph !== 'review';
  $('discard').disabled = ph !== 'review';

  const s = state.stats || {};
  $('c-elapsed').textContent = fmtElapsed(state.elapsedMs);
  $('c-requests').textContent = s.requests || 0;
  $('c-failed').textContent = s.failed || 0;
  $('c-bytes').textContent = fmtBytes(s.bytes);
  $('c-shots').textContent = s.screenshots || 0;

  if (state.error && ph === 'error') {
    const e = errorText(state.error);
    // the status line says the error already: the section adds the fix
    // (the message stays in the DOM for tests and screen readers' context)
    $('error-message').textContent = e.message;
    $('error-message').hidden = true;
    $('error-fix').textContent = e.fix;
  }
  let notice = (state.error && ph === 'review') ? errorText(state.error) : (state.notice ? errorText(state.notice) : null);
  if (ph !== 'review' && discardArmed) disarmDiscard();
  if (discardedNotice && ph === 'idle' && !notice) notice = { message: t('discardedDone'), fix: '' };
  if (ph !== 'idle' && ph !== 'review') discardedNotice = false;
  $('notice').hidden = !notice;
  if (notice) $('notice').textContent = notice.message + (notice.fix ? ' ' + notice.fix : '');

  if (state.review) drawReview(state.review);
  if (state.result) $('d-path').textContent = state.result.path + ' (' + fmtBytes(state.result.size) + ')';
  // who alone can open the bundle, in the review and after saving
  const sealed = state.seal || (state.result && state.result.sealedFor);
  for (const id of ['r-sealed', 'd-sealed']) {
    $(id).hidden = !sealed;
    if (sealed) $(id).textContent = t('sealedFor', [sealed.label || t('sealedForTeam'), (sealed.recipients || []).join(', ')]);
  }
  supportText = (state.result && state.result.supportRequest) || '';
  $('copy-support').hidden = !supportText;
}

// supportText is the saved bundle's SUPPORT_REQUEST.md, for "Copy support
// request" (the bundle itself may be sealed for the support team).
let supportText = '';

// drawRecovered lists, in their own box, the earlier recordings that were
// interrupted and that a new host recovered: each was saved as a bundle of
// its own (open, show file, discard, keep), or is kept on disk with how to
// finish it. None is the recording this popup shows above.
let drawnRecovered = ''; // what the list shows, so a state tick does not rebuild it under a click
function drawRecovered() {
  $('recovered').hidden = !recovered.length;
  const shown = JSON.stringify(recovered);
  if (shown === drawnRecovered) return;
  drawnRecovered = shown;
  const list = $('recovered-list');
  list.textContent = '';
  const line = (text, cls, testid) => {
    const p = document.createElement('p');
    p.className = cls;
    if (testid) p.dataset.testid = testid;
    p.textContent = text;
    return p;
  };
  for (const r of recovered) {
    const key = r.path || r.recording;
    const el = document.createElement('li');
    el.dataset.testid = 'recovered-item';
    el.dataset.path = r.path || '';
    el.dataset.recording = r.recording || '';
    if (r.started) el.appendChild(line(t('recoveredStarted', [new Date(r.started).toLocaleString(chrome.i18n.getUILanguage())]), 'hint'));
    if (r.path) {
      el.appendChild(line(t('recoveredSaved'), ''));
      el.appendChild(line(r.path + ' (' + fmtBytes(r.size) + ')', 'mono', 'recovered-path'));
    } else if (r.error) {
      el.appendChild(line(t('errRecoverFailed', [r.error.message || '']), '', 'recovered-failed'));
      el.appendChild(line(t('fixRecoverFailed', [r.id || '']), 'fix'));
    }
    if (r.actionError) {
      const e = errorText(r.actionError);
      el.appendChild(line(e.message + (e.fix ? ' ' + e.fix : ''), 'fix', 'recovered-error'));
    }
    const row = document.createElement('div');
    row.className = 'row';
    const buttons = r.path ? [
      ['recovered-open', 'btnOpenReport', 'open', 'report'], ['recovered-folder', 'btnShowFile', 'open', 'folder'],
      ['recovered-discard', 'btnDiscard', 'discard', ''], ['recovered-keep', 'btnKeep', 'keep', ''],
    ] : [['recovered-keep', 'btnOK', 'keep', '']];
    for (const [id, label, action, what] of buttons) {
      const b = document.createElement('button');
      b.dataset.testid = id;
      b.textContent = t(label);
      b.onclick = () => send('recovered', { action, key, what });
      row.appendChild(b);
    }
    el.appendChild(row);
    list.appendChild(el);
  }
}

function li(text, cls) {
  const el = document.createElement('li');
  el.textContent = text;
  if (cls) el.className = cls;
  return el;
}

// REDACTION_WORDS groups the sanitizer's counts (rule, kind) into what a
// reporter understands, each with its singular and plural message.
const REDACTION_WORDS = [
  [(c) => c.kind === 'email', 'redEmail1', 'redEmailN'],
  [(c) => c.kind === 'card', 'redCard1', 'redCardN'],
  [(c) => c.kind === 'phone', 'redPhone1', 'redPhoneN'],
  [(c) => c.kind === 'ip', 'redIP1', 'redIPN'],
  [(c) => c.kind === 'password' || c.rule === 'secret-key', 'redPassword1', 'redPasswordN'],
  [(c) => c.rule === 'cookie', 'redCookie1', 'redCookieN'],
  [(c) => c.rule === 'authorization' || c.rule === 'token-header', 'redAuth1', 'redAuthN'],
  [(c) => c.rule === 'secret-param' || c.rule === 'url' || c.rule === 'path-token' || c.rule === 'code', 'redURLToken1', 'redURLTokenN'],
  [(c) => c.kind === 'file' || c.kind === 'ws-binary', 'redFile1', 'redFileN'],
  [(c) => c.kind === 'private-key', 'redPrivateKey1', 'redPrivateKeyN'],
  [(c) => true, 'redToken1', 'redTokenN'],
];

// redactionLines turns the review's counts into plain words with counts
// ("2 email addresses", "25 tokens in links and forms").
function redactionLines(counts) {
  const sums = new Map();
  for (const c of counts || []) {
    const w = REDACTION_WORDS.find((x) => x[0](c));
    sums.set(w, (sums.get(w) || 0) + c.count);
  }
  const out = [];
  for (const w of REDACTION_WORDS) {
    const n = sums.get(w);
    if (n) out.push(n === 1 ? t(w[1]) : t(w[2], [String(n)]));
  }
  return out;
}

// plural picks the message for one or for n.
function plural(n, one, many) {
  return n === 1 ? t(one) : t(many, [String(n)]);
}

// shotList is the review's first list of screenshots (with thumbnails):
// a later preview (after a change) lists deleted ones without theirs.
let shotList = null;
let shotListOf = '';
// previewPending: a change was sent; the counts below are being updated.
let previewPending = false;

function requestPreview() {
  previewPending = true;
  $('r-size').dataset.pending = '1';
  send('preview', { excludeDomains: [...excluded], dropScreenshots: [...dropped], dropDomReplay: dropReplay });
}

// drawReplay shows the DOM session replay's first and last frame: static
// pages the host made from the sanitized events, with no script, handler or
// URL in them, in frames sandboxed with no permission at all.
function drawReplay(rp) {
  $('r-replay-box').hidden = !rp;
  if (!rp) return;
  $('r-replay').textContent = t('replaySummary', [String(rp.events), fmtDuration(rp.durationMs), fmtBytes(rp.bytes)]);
  const frames = $('r-replay-frames');
  frames.textContent = '';
  frames.className = 'frames' + (dropReplay ? ' dropped' : '');
  for (const [f, label] of [[rp.first, 'replayFirst'], [rp.last, 'replayLast']]) {
    const fig = document.createElement('figure');
    fig.dataset.testid = 'review-replay-frame';
    if (f && f.html) {
      const w = f.width || 1280, h = f.height || 800, box = 160;
      const scale = box / w;
      const wrap = document.createElement('div');
      wrap.className = 'frame';
      wrap.style.height = Math.round(h * scale) + 'px';
      const ifr = document.createElement('iframe');
      ifr.setAttribute('sandbox', '');
      ifr.setAttribute('tabindex', '-1');
      ifr.style.width = w + 'px';
      ifr.style.height = h + 'px';
      ifr.style.transform = 'scale(' + scale + ')';
      ifr.srcdoc = f.html;
      wrap.appendChild(ifr);
      fig.appendChild(wrap);
    }
    const cap = document.createElement('figcaption');
    cap.textContent = t(label) + (f && f.url ? ' — ' + f.url : '') + (f && f.note ? ' (' + f.note + ')' : '') + (f && (f.html || f.note) ? '' : ' — ' + t('replayNoFrame'));
    fig.appendChild(cap);
    frames.appendChild(fig);
  }
  const drop = $('r-replay-drop');
  drop.textContent = dropReplay ? t('btnKeepReplay') : t('btnDropReplay');
  drop.title = dropReplay ? t('replayDropped') : '';
  drop.onclick = () => { dropReplay = !dropReplay; drawReplay(rp); requestPreview(); };
}

// fmtDuration is m:ss (words would need the catalog for one number).
function fmtDuration(ms) {
  const s = Math.round((ms || 0) / 1000);
  return Math.floor(s / 60) + ':' + String(s % 60).padStart(2, '0');
}

function drawReview(r) {
  if (!shotList || shotListOf !== state.recording) {
    // A popup opened on a review already changed takes the choices back
    // from it, so the boxes say what the counts below count.
    shotList = (r.screenshots || []).filter((x) => !x.excluded);
    shotListOf = state.recording;
    for (const x of shotList) if (x.dropped) dropped.add(x.file);
    for (const d of (r.excluded && r.excluded.domains) || []) excluded.add(d);
    dropReplay = !!(r.domReplay && r.domReplay.dropped);
  }
  const excludedShots = new Set((r.screenshots || []).filter((x) => x.excluded).map((x) => x.file));
  const shots = $('r-shots');
  shots.textContent = '';
  for (const s of shotList) {
    const fig = document.createElement('figure');
    const gone = excludedShots.has(s.file);
    fig.className = dropped.has(s.file) || gone ? 'dropped' : '';
    fig.dataset.testid = 'review-shot';
    fig.dataset.file = s.file;
    if (s.thumbnail) {
      const img = document.createElement('img');
      img.src = s.thumbnail;
      img.alt = s.file;
      img.title = t('shotOpen');
      img.dataset.testid = 'open-screenshot';
      img.onclick = () => openViewer(s);
      fig.appendChild(img);
    }
    const cap = document.createElement('figcaption');
    const n = blackouts.filter((b) => b.screenshot === s.file).length;
    cap.textContent = gone ? t('shotExcluded') : (s.reason || s.file) + (n ? ' — ' + plural(n, 'nBlackout1', 'nBlackoutN') : '');
    fig.appendChild(cap);
    const del = document.createElement('button');
    del.textContent = dropped.has(s.file) ? t('btnKeep') : t('btnDelete');
    del.dataset.testid = 'drop-screenshot';
    del.dataset.file = s.file;
    del.hidden = gone;
    del.onclick = () => { dropped.has(s.file) ? dropped.delete(s.file) : dropped.add(s.file); drawReview(r); requestPreview(); };
    fig.appendChild(del);
    shots.appendChild(fig);
  }
  if (!shots.children.length) shots.textContent = t('none');

  drawReplay(r.domReplay);

  const doms = $('r-domains');
  doms.textContent = '';
  for (const d of r.domains || []) {
    const el = document.createElement('li');
    const label = document.createElement('label');
    const box = document.createElement('input');
    box.type = 'checkbox';
    box.checked = !excluded.has(d.domain);
    box.dataset.testid = 'domain';
    box.dataset.domain = d.domain;
    box.onchange = () => { box.checked ? excluded.delete(d.domain) : excluded.add(d.domain); requestPreview(); };
    label.appendChild(box);
    label.appendChild(document.createTextNode(' ' + d.domain + ' (' + plural(d.entries, 'nEntries1', 'nEntries') + ')'));
    el.appendChild(label);
    doms.appendChild(el);
  }

  // What the choices leave out, as bundle.json's "excluded" will say.
  const x = r.excluded || {};
  const out = [];
  if (x.entries) out.push(plural(x.entries, 'nEntries1', 'nEntries'));
  if (x.consoleMessages) out.push(plural(x.consoleMessages, 'nConsole1', 'nConsoleN'));
  if (x.screenshots) out.push(plural(x.screenshots, 'nShots1', 'nShotsN'));
  if (x.steps) out.push(plural(x.steps, 'nStepValues1', 'nStepValuesN'));
  if (x.domReplay) out.push(t('replayLeftOut'));
  $('r-left-out').textContent = out.length ? t('leftOut', [out.join(', ')]) : '';
  $('r-left-out').hidden = !out.length;

  // What the bundle will say, as it will say it.
  $('r-description').textContent = r.description || t('none');
  const fill = (id, items) => {
    const el = $(id);
    el.textContent = '';
    for (const x of items || []) el.appendChild(li(x));
    if (!(items || []).length) el.appendChild(li(t('none')));
  };
  fill('r-notes', r.notes);
  fill('r-steps', r.steps);
  fill('r-errors', r.consoleErrors);

  const red = $('r-redactions');
  red.textContent = '';
  for (const line of redactionLines(r.redaction)) red.appendChild(li(line));
  if (!(r.redaction || []).length) red.appendChild(li(t('none')));
  red.dataset.total = String(r.redactionTotal || 0);

  const fnd = $('r-findings');
  fnd.textContent = '';
  for (const f of r.findings || []) {
    // information for support, not an error that blocks saving
    fnd.appendChild(li(f.title + (f.evidence && f.evidence.length ? ' — ' + f.evidence[0] : ''), 'info'));
  }
  if (!(r.findings || []).length) fnd.appendChild(li(t('none')));

  const ids = $('r-ids');
  ids.textContent = '';
  for (const id of r.requestIds || []) ids.appendChild(li(id.value + (id.status ? ' (' + id.status + ')' : '')));
  if (!(r.requestIds || []).length) ids.appendChild(li(t('none')));

  const size = r.final || r.estimated || 0;
  const over = r.budget > 0 && (r.overBudget || (r.estimated || 0) > r.budget);
  $('r-size').textContent = r.budget > 0 ? t(over ? 'sizeOverBudget' : 'sizeBudget', [fmtBytes(size), fmtBytes(r.budget)]) : fmtBytes(size);
  $('r-size').dataset.pending = previewPending ? '1' : '';
  $('r-size').dataset.bytes = String(size);

  // A save refused because a secret survived sanitizing: the reporter may
  // allow the kinds it names, explicitly (PRODUCT.md: fail closed).
  const allowBox = $('r-allow');
  allowBox.textContent = '';
  const kinds = (state.error && state.error.code === 22 && state.error.kinds) || [];
  allowBox.hidden = !kinds.length;
  for (const k of kinds) {
    const label = document.createElement('label');
    const box = document.createElement('input');
    box.type = 'checkbox';
    box.checked = allowed.has(k);
    box.dataset.testid = 'allow';
    box.onchange = () => { box.checked ? allowed.add(k) : allowed.delete(k); };
    label.appendChild(box);
    label.appendChild(document.createTextNode(' ' + t('allowKind', [k])));
    allowBox.appendChild(label);
  }
}

function readFields() {
  const f = {};
  for (const k of FIELDS) {
    const v = $('f-' + k).value.trim();
    if (v) f[k] = v;
  }
  return f;
}

async function loadFields() {
  const v = await chrome.storage.local.get(['fields', 'limits']);
  let managed = {};
  try { managed = await chrome.storage.managed.get(null); } catch (_) { /* no policy */ }
  const fields = Object.assign({}, v.fields || {});
  for (const k of FIELDS) if (fields[k]) $('f-' + k).value = fields[k];
  const limits = Object.assign({}, managed.limits || {}, v.limits || {});
  if (limits.minutes !== undefined) $('l-minutes').value = limits.minutes;
  if (limits.mb !== undefined) $('l-mb').value = limits.mb;
}

function saveFields() {
  const f = readFields();
  const keep = {};
  for (const k of REMEMBERED) if (f[k]) keep[k] = f[k];
  chrome.storage.local.set({
    fields: keep,
    limits: { minutes: Number($('l-minutes').value) || 0, mb: Number($('l-mb').value) || 0 },
  });
}

async function chooseTab() {
  const q = new URLSearchParams(location.search).get('tabId');
  if (q) return Number(q);
  const [tab] = await chrome.tabs.query({ active: true, currentWindow: true });
  return tab ? tab.id : null;
}

$('record').onclick = async () => {
  discardedNotice = false;
  if (tabId === null) tabId = await chooseTab();
  saveFields();
  const minutes = Number($('l-minutes').value) || 0;
  const mb = Number($('l-mb').value) || 0;
  send('record', { tabId, fields: readFields(), limits: { maxSeconds: Math.round(minutes * 60), maxBytes: Math.round(mb * (1 << 20)) } });
};
$('stop').onclick = () => send('stop');
$('pause').onclick = () => send('pause');
$('resume').onclick = () => send('resume');
$('screenshot').onclick = () => { send('screenshot'); flash(t('screenshotTaken')); };
// flash shows a short confirmation next to the recording's buttons.
let flashTimer = 0;
function flash(text) {
  const el = $('flash');
  el.textContent = text;
  el.hidden = false;
  clearTimeout(flashTimer);
  flashTimer = setTimeout(() => { el.hidden = true; }, 2500);
}
function addNote() {
  const text = $('note-text').value.trim();
  if (!text) return;
  send('note', { text });
  $('note-text').value = '';
  flash(t('noteAdded'));
}
$('note').onclick = addNote;
$('note-text').addEventListener('keydown', (e) => {
  if (e.key === 'Enter' && !e.isComposing) { e.preventDefault(); addNote(); }
});
$('save').onclick = () => send('save', { excludeDomains: [...excluded], dropScreenshots: [...dropped], dropDomReplay: dropReplay, allow: [...allowed], blackout: blackouts.slice() });

// The viewer shows a screenshot at full size, as it will be shared (the
// masked boxes are painted in it); dragging over it blacks out a region
// (the save message's blackout, in pixels of the image).
const blackouts = [];
let viewing = null; // the review's screenshot entry in the viewer
function openViewer(s) {
  viewing = s;
  $('viewer').hidden = false;
  $('viewer-img').removeAttribute('src');
  $('viewer-img').alt = s.file;
  drawBlackouts();
  send('image', { file: s.file });
}
function closeViewer() {
  viewing = null;
  if ($('viewer')) $('viewer').hidden = true;
}
function showImage(file, src) {
  if (!viewing || viewing.file !== file) return;
  $('viewer-img').src = src;
}
function drawBlackouts() {
  const box = $('viewer-boxes');
  box.textContent = '';
  const img = $('viewer-img');
  const k = img.naturalWidth ? img.clientWidth / img.naturalWidth : 1;
  for (const b of blackouts.filter((x) => viewing && x.screenshot === viewing.file)) {
    const d = document.createElement('div');
    d.className = 'blackout';
    d.style.left = b.x * k + 'px';
    d.style.top = b.y * k + 'px';
    d.style.width = b.width * k + 'px';
    d.style.height = b.height * k + 'px';
    box.appendChild(d);
  }
  $('viewer-undo').disabled = !blackouts.some((x) => viewing && x.screenshot === viewing.file);
}
(function selectRegions() {
  const img = $('viewer-img');
  let start = null;
  img.addEventListener('load', drawBlackouts);
  img.addEventListener('mousedown', (e) => { e.preventDefault(); start = [e.offsetX, e.offsetY]; });
  img.addEventListener('mouseup', (e) => {
    if (!start || !viewing || !img.naturalWidth) return;
    const k = img.naturalWidth / img.clientWidth;
    const x0 = Math.min(start[0], e.offsetX), y0 = Math.min(start[1], e.offsetY);
    const w = Math.abs(e.offsetX - start[0]), h = Math.abs(e.offsetY - start[1]);
    start = null;
    if (w < 3 || h < 3) return;
    blackouts.push({ screenshot: viewing.file, x: Math.round(x0 * k), y: Math.round(y0 * k), width: Math.round(w * k), height: Math.round(h * k) });
    drawBlackouts();
    if (state && state.review) drawReview(state.review);
  });
})();
$('viewer-close').onclick = closeViewer;
$('viewer-undo').onclick = () => {
  for (let i = blackouts.length - 1; i >= 0; i--) {
    if (viewing && blackouts[i].screenshot === viewing.file) { blackouts.splice(i, 1); break; }
  }
  drawBlackouts();
  if (state && state.review) drawReview(state.review);
};
// Discard deletes the recording: the first click asks, the second does
// it, and the popup then says it was deleted.
let discardArmed = false;
let discardedNotice = false;
$('discard').onclick = () => {
  if (!discardArmed) {
    discardArmed = true;
    $('discard').dataset.confirm = '1';
    $('discard').textContent = t('btnDiscardConfirm');
    $('discard-hint').hidden = false;
    return;
  }
  discardArmed = false;
  discardedNotice = true;
  send('discard');
};
function disarmDiscard() {
  discardArmed = false;
  $('discard').dataset.confirm = '';
  $('discard').textContent = t('btnDiscard');
  $('discard-hint').hidden = true;
}
$('open-report').onclick = () => send('open', { what: 'report' });
$('show-file').onclick = () => send('open', { what: 'folder' });
$('copy-support').onclick = async () => {
  try {
    await navigator.clipboard.writeText(supportText);
    $('copy-support').textContent = t('copiedSupport');
  } catch (e) {
    $('notice').hidden = false;
    $('notice').textContent = t('copySupportFailed');
  }
};
$('again').onclick = () => send('reset');
$('reset').onclick = () => send('reset');

connect();
localize();
loadFields();
chooseTab().then((id) => { tabId = id; });
draw();
