// Northwind Workspace: the demo chat app of Reprokit. The scripted session
// (host/demo Drive) waits on the data-* flags this script sets on <body>.
const $ = (id) => document.getElementById(id);
const flags = document.body.dataset;

function toast(html) {
  const t = document.createElement('div'); t.className = 'toast'; t.innerHTML = html;
  $('toasts').appendChild(t);
}
function bubble(role, text) {
  const m = document.createElement('div'); m.className = 'msg ' + role;
  const b = document.createElement('div'); b.className = 'bubble'; b.textContent = text;
  m.appendChild(b); $('messages').appendChild(m); $('messages').scrollTop = 1e9;
  return b;
}
function escapeHTML(s) { return String(s).replace(/[&<>"]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' }[c])); }

async function loadMe() {
  const r = await fetch('/api/me');
  if (!r.ok) { location.href = '/login'; return; }
  const me = await r.json();
  $('me-name').textContent = me.name; $('me-email').textContent = me.email; $('plan').textContent = me.plan;
  flags.signedIn = '1';
}

async function send(ev) {
  ev.preventDefault();
  const text = $('prompt').value.trim();
  if (!text) return;
  $('prompt').value = '';
  bubble('user', text);
  const r = await fetch('/api/chat', { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ message: text }) });
  const j = await r.json();
  if (!r.ok) { toast('Message failed: ' + escapeHTML(j.error.message) + ' <code>' + escapeHTML(j.request_id) + '</code>'); return; }
  const out = bubble('assistant', '');
  const ws = new WebSocket(location.origin.replace('http', 'ws') + j.stream);
  ws.onopen = () => ws.send(JSON.stringify({ type: 'subscribe', completion: j.id }));
  ws.onmessage = (e) => {
    const f = JSON.parse(e.data);
    if (f.type === 'delta') out.textContent += f.text;
    if (f.type === 'done') {
      const meta = document.createElement('span'); meta.className = 'meta';
      meta.textContent = 'completion ' + f.completion + ' · request ' + f.request_id;
      out.appendChild(meta);
    }
  };
  ws.onclose = () => { flags.replyDone = '1'; };
  ws.onerror = () => { toast('The reply stream was interrupted.'); };
}

async function upload(blob, name) {
  $('progress').hidden = false; $('bar').style.width = '30%';
  const fd = new FormData(); fd.append('purpose', 'assistants'); fd.append('file', blob, name);
  const r = await fetch('/api/files', { method: 'POST', body: fd });
  $('bar').style.width = '100%'; setTimeout(() => { $('progress').hidden = true; }, 400);
  const j = await r.json();
  flags.uploadStatus = String(r.status);
  if (!r.ok) {
    console.error('Upload of ' + name + ' failed with HTTP ' + r.status + ' (request ' + j.request_id + ')');
    toast('Upload failed: ' + escapeHTML(j.error.message) + ' Request ID <code>' + escapeHTML(j.request_id) + '</code>');
  } else {
    toast('Uploaded ' + escapeHTML(name));
  }
}
function attachRecording() {
  // A generated 21 MB "recording", so the demo needs no file on disk.
  const size = 21 * 1024 * 1024, buf = new Uint8Array(size);
  const header = [0x1a, 0x45, 0xdf, 0xa3];
  header.forEach((b, i) => { buf[i] = b; });
  for (let i = 4096; i < size; i += 4096) buf[i] = (i >> 12) & 255;
  return upload(new Blob([buf], { type: 'video/webm' }), 'Q3-meeting-recording.webm');
}

async function usage() {
  const panel = $('usage'); panel.hidden = false; panel.innerHTML = '<h2>Usage &amp; billing</h2><p class="muted">Loading…</p>';
  const r = await fetch('/api/workspace/usage');
  const j = await r.json();
  flags.usageStatus = String(r.status);
  if (!r.ok) {
    console.error('GET /api/workspace/usage failed: HTTP ' + r.status + ' ' + j.error.message + ' (request ' + j.request_id + ')');
    panel.innerHTML = '<h2>Usage &amp; billing</h2><p>Something went wrong loading usage. Contact support with request ID <code>' +
      escapeHTML(j.request_id) + '</code>.</p>';
  }
}

$('composer').addEventListener('submit', send);
$('prompt').addEventListener('keydown', (e) => { if (e.key === 'Enter' && !e.shiftKey) { e.preventDefault(); $('composer').requestSubmit(); } });
$('attach').addEventListener('click', attachRecording);
$('file').addEventListener('change', () => { const f = $('file').files[0]; if (f) upload(f, f.name); });
$('usage-btn').addEventListener('click', usage);
loadMe();
