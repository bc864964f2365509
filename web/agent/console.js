// @ts-check
// The agent console: the queue (live), one conversation at a time, replies and actions. Everything a
// customer wrote is put on the page with textContent, never as HTML.
(function () {
  'use strict';
  /** @param {string} id */
  const $ = (id) => /** @type {HTMLElement} */ (document.getElementById(id));
  /** @type {string | undefined} */
  let current;
  let me = '';
  /** @type {ReturnType<typeof setTimeout> | undefined} */
  let typingTimer;
  let lastTypingSent = 0;

  /** @param {string} url @param {unknown} [body] */
  async function call(url, body) {
    const res = await fetch(url, body === undefined ? {} : { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(body) });
    if (res.status === 401) { location.href = '/agent/login'; throw new Error('signed out'); }
    const data = res.status === 204 ? undefined : await res.json().catch(() => undefined);
    if (!res.ok) throw new Error((data && data.error) || 'Request failed (' + res.status + ')');
    return data;
  }

  /** @param {number} s */
  function waited(s) {
    return s < 60 ? s + ' s' : s < 3600 ? Math.floor(s / 60) + ' min' : Math.floor(s / 3600) + ' h';
  }

  async function loadQueue() {
    /** @type {{id: string, status: string, agent?: string, intent: string, reason: string, channel: string, ticket?: string, waitingSeconds: number}[]} */
    const items = await call('/agent/api/queue');
    const list = $('queue');
    list.textContent = '';
    $('queue-empty').hidden = items.length > 0;
    for (const h of items) {
      const li = document.createElement('li');
      li.className = (h.status === 'active' ? 'active' : 'waiting') + (h.id === current ? ' selected' : '');
      li.tabIndex = 0;
      li.dataset.id = h.id;
      const title = document.createElement('strong');
      title.textContent = h.intent;
      const meta = document.createElement('small');
      meta.textContent = (h.status === 'waiting' ? 'waiting ' + waited(h.waitingSeconds) : 'with ' + (h.agent || '?')) + ' · ' + h.channel + ' · ' + h.reason.replace(/_/g, ' ') + (h.ticket ? ' · ' + h.ticket : '');
      li.append(title, meta);
      li.onclick = () => open(h.id);
      li.onkeydown = (e) => { if (e.key === 'Enter') open(h.id); };
      list.appendChild(li);
    }
  }

  /** The newest tickets and where each went; a failed delivery has a button to send it again. */
  async function loadTickets() {
    /** @type {{reference: string, subject: string, department: string, status: string, deliveries: {id: string, kind: string, target: string, status: string, summary: string}[]}[]} */
    const items = await call('/agent/api/tickets');
    const list = $('tickets');
    list.textContent = '';
    $('tickets-empty').hidden = items.length > 0;
    for (const t of items) {
      const li = document.createElement('li');
      const title = document.createElement('strong');
      title.textContent = t.reference + ' · ' + t.subject;
      const meta = document.createElement('small');
      meta.textContent = t.department + ' · ' + t.status + (t.deliveries.length ? '' : ' · not delivered anywhere (no help desk configured)');
      li.append(title, meta);
      for (const d of t.deliveries) {
        const line = document.createElement('small');
        line.className = d.status === 'failed' ? 'failed' : d.summary.startsWith('retrying') ? 'retrying' : '';
        line.textContent = (d.kind === 'acknowledgement' ? 'acknowledgement' : d.kind) + ' → ' + d.target + ': ' + d.summary;
        li.appendChild(line);
        if (d.status === 'failed') {
          const retry = document.createElement('button');
          retry.type = 'button';
          retry.textContent = 'Retry delivery';
          retry.onclick = async () => {
            retry.disabled = true;
            try {
              await call('/agent/api/deliveries/' + encodeURIComponent(d.id) + '/retry', {});
              await loadTickets();
            } catch (e) {
              line.textContent += ' · ' + /** @type {Error} */ (e).message;
            }
          };
          li.appendChild(retry);
        }
      }
      list.appendChild(li);
    }
  }

  /** Bot and agent lines are Markdown: show them as the customer read them (still as text). @param {string} text */
  function plain(text) {
    return text.replace(/\*\*(.+?)\*\*/g, '$1').replace(/\\([\\`*_{}[\]()#+\-.!<>|~])/g, '$1');
  }

  /** @param {{role: string, text: string, at: string}} entry */
  function addLine(entry) {
    const li = document.createElement('li');
    li.className = entry.role;
    const who = document.createElement('small');
    who.textContent = (entry.role === 'user' ? 'Customer' : entry.role === 'agent' ? 'Agent' : 'Bot') + ' · ' + new Date(entry.at).toLocaleTimeString();
    const text = document.createElement('span');
    text.textContent = entry.role === 'user' ? entry.text : plain(entry.text);
    li.append(who, text);
    $('transcript').appendChild(li);
    li.scrollIntoView({ block: 'end' });
  }

  /** @param {string} id */
  async function open(id) {
    current = id;
    const h = await call('/agent/api/handoffs/' + encodeURIComponent(id));
    $('conversation').hidden = false;
    $('title').textContent = h.intent + (h.ticketReference ? ' · ticket ' + h.ticketReference : '');
    const fields = $('fields');
    fields.textContent = '';
    for (const [k, v] of Object.entries(h.fields)) {
      const tr = document.createElement('tr');
      const name = document.createElement('td');
      name.textContent = k.replace(/_/g, ' ');
      const value = document.createElement('td');
      value.textContent = String(v);
      tr.append(name, value);
      fields.appendChild(tr);
    }
    $('transcript').textContent = '';
    for (const e of h.transcript) addLine(e);
    const mine = h.status === 'active' && h.agent === me;
    /** @type {HTMLButtonElement} */ ($('claim')).disabled = h.status !== 'waiting';
    /** @type {HTMLButtonElement} */ ($('hand-back')).disabled = !mine;
    /** @type {HTMLButtonElement} */ ($('close')).disabled = !mine;
    $('reply').hidden = !mine;
    $('notice').textContent = h.status === 'active' && !mine ? (h.agent || 'Someone') + ' has this conversation.' : '';
    await loadQueue();
  }

  /** @param {string} action */
  async function act(action) {
    if (!current) return;
    try {
      await call('/agent/api/handoffs/' + encodeURIComponent(current) + '/' + action, {});
      if (action === 'return' || action === 'close') { $('conversation').hidden = true; current = undefined; await loadQueue(); } else await open(current);
    } catch (e) {
      $('notice').textContent = /** @type {Error} */ (e).message;
    }
  }

  $('claim').onclick = () => act('claim');
  $('hand-back').onclick = () => act('return');
  $('close').onclick = () => act('close');
  /**
   * Sends a reply. A delivered one comes back on the event stream and joins the transcript from there; one
   * the customer's chat did not take stays in the transcript marked "Not delivered", with a button to retry.
   * @param {string} id @param {string} text @returns {Promise<boolean>}
   */
  async function send(id, text) {
    try {
      await call('/agent/api/handoffs/' + encodeURIComponent(id) + '/messages', { text: text });
      return true;
    } catch (err) {
      if (id !== current) return false;
      const li = document.createElement('li');
      li.className = 'agent failed';
      const who = document.createElement('small');
      who.textContent = 'Not delivered · ' + /** @type {Error} */ (err).message;
      const body = document.createElement('span');
      body.textContent = text;
      const retry = document.createElement('button');
      retry.type = 'button';
      retry.textContent = 'Retry';
      retry.onclick = async () => { li.remove(); await send(id, text); };
      li.append(who, body, retry);
      $('transcript').appendChild(li);
      li.scrollIntoView({ block: 'end' });
      return false;
    }
  }

  /** @type {HTMLFormElement} */ ($('reply')).onsubmit = async (e) => {
    e.preventDefault();
    const input = /** @type {HTMLInputElement} */ ($('text'));
    const text = input.value.trim();
    if (!text || !current) return;
    input.value = '';
    await send(current, text);
  };
  $('text').oninput = () => {
    // Typing shows in the customer's chat; at most every 3 seconds.
    if (!current || Date.now() - lastTypingSent < 3000) return;
    lastTypingSent = Date.now();
    call('/agent/api/handoffs/' + encodeURIComponent(current) + '/typing', {}).catch(() => undefined);
  };

  const events = new EventSource('/agent/api/events');
  events.onmessage = (m) => {
    const e = JSON.parse(m.data);
    if (e.type === 'queue') { loadQueue().catch(() => undefined); loadTickets().catch(() => undefined); }
    if (e.type === 'message' && e.handoffId === current) addLine(e);
    if (e.type === 'notice' && e.handoffId === current) $('notice').textContent = e.text;
    if (e.type === 'typing' && e.handoffId === current) {
      $('typing').hidden = false;
      clearTimeout(typingTimer);
      typingTimer = setTimeout(() => { $('typing').hidden = true; }, 4000);
    }
  };

  call('/agent/api/me').then((m) => { me = m.name; $('me').textContent = 'Signed in as ' + m.name; }).then(loadQueue).then(loadTickets);
  setInterval(() => { loadQueue().catch(() => undefined); loadTickets().catch(() => undefined); }, 15000);
})();
