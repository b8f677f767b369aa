// The work tab of /kernel: a kernel client in the style of Jupyter,
// JSON-RPC and Phoenix over one websocket. Every request carries an id
// made up here, and a reply counts only when it carries that id back.
(() => {
  const state = { sent: 0, answered: 0, ignored: 0, ticks: 0, binary: 0, results: {}, events: [], polls: 0, joined: false, done: false };
  const pending = new Map(); // id -> handler
  const session = crypto.randomUUID();
  let rpcID = Math.floor(Math.random() * 1e6);
  let ref = Math.floor(Math.random() * 1000);
  const ws = new WebSocket(location.origin.replace('http', 'ws') + '/kernel/channels');
  ws.binaryType = 'arraybuffer';

  function show() {
    const r = state.results;
    state.summary = `1+1=${r['1+1'] || '?'} 6*7=${r['6*7'] || '?'} sum=${r.sum || '?'} joined=${state.joined} ticks=${state.ticks} binary=${state.binary} events=${state.events.join('|')} ignored=${state.ignored}`;
    document.getElementById('state').textContent = state.summary;
    window.reprokitResults = state;
    if (window.opener) window.opener.postMessage({ kernel: JSON.parse(JSON.stringify(state)) }, '*');
  }
  function request(msg, id, onReply) {
    pending.set(String(id), onReply);
    state.sent++;
    ws.send(JSON.stringify(msg));
  }
  function execute(code) {
    return new Promise((resolve) => {
      const msgID = crypto.randomUUID();
      const cell = document.createElement('li');
      cell.textContent = code + ' …';
      document.getElementById('cells').append(cell);
      request({ header: { msg_id: msgID, session, msg_type: 'execute_request', date: new Date().toISOString() }, content: { code } }, msgID, (m) => {
        if (m.msg_type === 'execute_result') {
          state.results[code] = m.content.data['text/plain'];
          cell.textContent = code + ' = ' + state.results[code];
        }
        if (m.msg_type === 'status' && m.content.execution_state === 'idle') { pending.delete(msgID); state.answered++; resolve(); }
      });
    });
  }
  function rpc(method, params) {
    return new Promise((resolve) => {
      const id = ++rpcID;
      request({ jsonrpc: '2.0', id, method, params }, id, (m) => { state.results.sum = m.result; state.answered++; resolve(); });
    });
  }
  function join(topic) {
    return new Promise((resolve) => {
      const r = String(++ref);
      request([r, r, topic, 'phx_join', {}], 'phx:' + r, (m) => { state.joined = m[4].status === 'ok'; state.answered++; resolve(); });
    });
  }
  function idOf(m) {
    if (Array.isArray(m)) return 'phx:' + m[1];
    if (m.jsonrpc) return String(m.id);
    return m.parent_header && m.parent_header.msg_id;
  }
  function poll(since) {
    state.polls++;
    fetch('/kernel/events?since=' + since).then((r) => r.json()).then((res) => {
      for (const ev of res.events) state.events.push(ev.text);
      show();
      if (!state.done) { state.done = true; show(); }
      poll(res.last);
    }).catch((err) => {
      document.getElementById('kernel').textContent = 'Connection error… retrying';
      console.error('events poll failed', String(err));
      setTimeout(() => poll(since), 100);
    });
  }
  let started = false;
  ws.onmessage = (e) => {
    if (typeof e.data !== 'string') { state.binary = e.data.byteLength; show(); return; }
    const m = JSON.parse(e.data);
    if (m.msg_type === 'tick') { state.ticks = m.content.n; show(); return; }
    if (m.msg_type === 'status' && !m.parent_header.msg_id) {
      document.getElementById('kernel').textContent = 'kernel: ' + m.content.execution_state;
      if (!started) { started = true; run(); }
      return;
    }
    const id = idOf(m);
    const handler = id && pending.get(String(id));
    if (!handler) { state.ignored++; show(); return; }
    if (Array.isArray(m) || m.jsonrpc) pending.delete(String(id)); // one reply each
    handler(m);
    show();
  };
  async function run() {
    await Promise.all([execute('1+1'), rpc('sum', [2, 3]), join('room:lobby')]);
    await execute('6*7');
    document.getElementById('kernel').textContent = 'kernel: idle';
    // Wait for the kernel's ticks, then read the events feed.
    const wait = () => state.ticks >= 3 && state.binary > 0 ? poll(0) : setTimeout(wait, 50);
    wait();
  }
})();
