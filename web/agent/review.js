// @ts-check
// The review inbox: groups of messages the bot did not understand; assign one to a topic (the classifier
// learns it) or ignore it. Customer text is put on the page as text only.
(function () {
  'use strict';
  /** @param {string} id */
  const $ = (id) => /** @type {HTMLElement} */ (document.getElementById(id));
  const REASONS = { out_of_scope: 'not understood', clarify: 'had to ask which topic', rerouted: 'guesses were wrong', low_rating: 'rated 1 or 2' };
  /** @param {number} x */
  const pct = (x) => (100 * x).toFixed(1) + '%';

  /** @param {string} url @param {unknown} body */
  async function post(url, body) {
    const res = await fetch(url, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(body) });
    if (res.status === 401) { location.href = '/agent/login'; throw new Error('signed out'); }
    const data = res.status === 204 ? undefined : await res.json().catch(() => undefined);
    if (!res.ok) throw new Error((data && data.error) || 'Request failed (' + res.status + ')');
    return data;
  }

  async function load() {
    const res = await fetch('/agent/api/review');
    if (res.status === 401) { location.href = '/agent/login'; return; }
    /** @type {{groups: {key: string, count: number, texts: string[], reasons: string[], lastAt: string}[], intents: {id: string, label: string}[]}} */
    const data = await res.json();
    loadDecisions().catch(() => undefined);
    const list = $('groups');
    list.textContent = '';
    $('empty').hidden = data.groups.length > 0;
    for (const g of data.groups) {
      const li = document.createElement('li');
      li.dataset.key = g.key;
      const head = document.createElement('strong');
      head.textContent = g.texts[0] || '';
      const meta = document.createElement('small');
      meta.textContent = g.count + ' message' + (g.count === 1 ? '' : 's') + ' · ' + g.reasons.map((r) => /** @type {Record<string, string>} */ (REASONS)[r] || r).join(', ') + ' · last ' + g.lastAt.slice(0, 16).replace('T', ' ');
      li.append(head, meta);
      if (g.texts.length > 1) {
        const more = document.createElement('ul');
        for (const t of g.texts.slice(1)) { const item = document.createElement('li'); item.textContent = t; more.appendChild(item); }
        li.appendChild(more);
      }
      const select = document.createElement('select');
      select.setAttribute('aria-label', 'Topic for this group');
      const prompt = document.createElement('option');
      prompt.value = '';
      prompt.textContent = 'Assign to a topic…';
      select.appendChild(prompt);
      for (const i of data.intents) { const o = document.createElement('option'); o.value = i.id; o.textContent = i.label + ' (' + i.id + ')'; select.appendChild(o); }
      const assign = document.createElement('button');
      assign.type = 'button';
      assign.textContent = 'Assign';
      assign.onclick = async () => {
        if (!select.value) { $('notice').textContent = 'Pick a topic first.'; return; }
        assign.disabled = true;
        try {
          /** @type {{before: number, after: number, flagged: boolean, applied: boolean, broken: {text: string, intent: string, now: string}[], conflicts: {text: string, similar: string, intent: string}[]}} */
          let r = await post('/agent/api/review/' + encodeURIComponent(g.key) + '/assign', { intent: select.value });
          if (!r.applied && window.confirm(warning(r) + '\n\nAssign anyway?')) {
            r = await post('/agent/api/review/' + encodeURIComponent(g.key) + '/assign', { intent: select.value, confirm: true });
          }
          $('notice').textContent = r.applied
            ? 'Learned: the bot now reads these as ' + select.value + '. Held-out accuracy ' + pct(r.before) + ' → ' + pct(r.after) + (r.flagged ? ' (assigned despite the warning).' : '.')
            : 'Not assigned. ' + warning(r);
          await load();
        } catch (e) {
          $('notice').textContent = /** @type {Error} */ (e).message;
          assign.disabled = false;
        }
      };
      const ignore = document.createElement('button');
      ignore.type = 'button';
      ignore.textContent = 'Ignore';
      ignore.onclick = async () => {
        try { await post('/agent/api/review/' + encodeURIComponent(g.key) + '/ignore', {}); $('notice').textContent = 'Ignored.'; await load(); } catch (e) { $('notice').textContent = /** @type {Error} */ (e).message; }
      };
      const bar = document.createElement('div');
      bar.className = 'bar lead-only';
      bar.append(select, assign, ignore);
      li.appendChild(bar);
      list.appendChild(li);
    }
  }

  /** @param {string} id @param {string[]} head @param {{cells: string[], className: string}[]} rows */
  const table = (id, head, rows) => textTable($(id), head, rows.map((r) => r.cells), (i) => rows[i]?.className ?? '');

  async function loadDecisions() {
    const res = await fetch('/agent/api/review/decisions');
    if (!res.ok) return;
    /** @type {{by: string, at: string, intent: string | null, messages: number, texts: string[]}[]} */
    const decisions = await res.json();
    table('decisions', ['When', 'Who', 'Decision', 'Messages', 'Taught', ''], decisions.map((d) => ({
      cells: [d.at.slice(0, 19).replace('T', ' '), d.by, d.intent ? 'assigned to ' + d.intent : 'ignored', String(d.messages), d.texts.slice(0, 3).join(' · ') + (d.texts.length > 3 ? ' …' : '')],
      className: '',
    })));
    // An "Undo" button in each row's last cell.
    const rows = $('decisions').querySelectorAll('tr');
    decisions.forEach((d, i) => {
      const row = rows[i + 1];
      if (!row) return;
      const cell = document.createElement('td');
      const undo = document.createElement('button');
      undo.type = 'button';
      undo.className = 'lead-only';
      undo.textContent = 'Undo';
      undo.onclick = async () => {
        undo.disabled = true;
        try {
          await post('/agent/api/review/decisions/undo', { by: d.by, at: d.at });
          $('decisions-notice').textContent = 'Taken back: ' + (d.intent ? 'the bot no longer learns these as ' + d.intent : 'the messages are back in the inbox') + '.';
        } catch (e) { $('decisions-notice').textContent = /** @type {Error} */ (e).message; }
        await load();
      };
      cell.appendChild(undo);
      row.appendChild(cell);
    });
  }

  async function loadReloads() {
    const res = await fetch('/agent/api/rules/reloads');
    if (!res.ok) return;
    /** @type {{at: string, by: string, files: string[], error?: string}[]} */
    const reloads = await res.json();
    table('reloads', ['When', 'Who', 'Files', 'Result'], reloads.map((r) => ({
      cells: [r.at.slice(0, 19).replace('T', ' '), r.by, r.files.join(', ') || '(all)', r.error ? 'refused: ' + r.error : 'applied'],
      className: r.error ? 'refused' : '',
    })));
  }

  $('reload').onclick = async () => {
    /** @type {HTMLButtonElement} */ ($('reload')).disabled = true;
    try {
      const res = await fetch('/agent/api/rules/reload', { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: '{}' });
      const r = await res.json();
      $('rules-notice').textContent = r.ok ? 'Reloaded: the new rules serve the next message.' : 'Refused, the previous rules keep serving: ' + r.error;
    } catch (e) {
      $('rules-notice').textContent = /** @type {Error} */ (e).message;
    }
    /** @type {HTMLButtonElement} */ ($('reload')).disabled = false;
    await loadReloads();
  };

  async function loadAudit() {
    const res = await fetch('/agent/api/privacy/audit');
    if (!res.ok) return;
    /** @type {{at: string, by: string, action: string, subject: string, counts: Record<string, number>}[]} */
    const rows = await res.json();
    table('audit', ['When', 'Who', 'What', 'Customer', 'Counts'], rows.map((r) => ({
      cells: [r.at.slice(0, 19).replace('T', ' '), r.by, r.action, r.subject, Object.entries(r.counts).map(([k, n]) => k + ' ' + n).join(', ')],
      className: '',
    })));
  }

  const email = () => /** @type {HTMLInputElement} */ ($('privacy-email')).value.trim();
  /** @type {HTMLFormElement} */ ($('privacy')).onsubmit = async (e) => {
    e.preventDefault();
    try {
      const data = await post('/agent/api/privacy/export', { email: email() });
      const link = document.createElement('a');
      link.href = URL.createObjectURL(new Blob([JSON.stringify(data, null, 2)], { type: 'application/json' }));
      link.download = 'customer-data.json';
      link.click();
      $('privacy-notice').textContent = 'Exported ' + data.tickets.length + ' ticket(s) and ' + data.conversations.length + ' conversation(s).';
    } catch (err) { $('privacy-notice').textContent = /** @type {Error} */ (err).message; }
    await loadAudit();
  };
  /**
   * Why an assignment was held back: what it contradicts, and which test sentences it would get wrong.
   * @param {{before: number, after: number, broken: {text: string, intent: string, now: string}[], conflicts: {text: string, similar: string, intent: string}[]}} r
   */
  function warning(r) {
    const lines = r.conflicts.slice(0, 3).map((c) => '"' + c.text + '" is nearly "' + c.similar + '", taught as ' + c.intent + '.');
    lines.push(...r.broken.slice(0, 3).map((b) => 'The test sentence "' + b.text + '" (' + b.intent + ') would be read as ' + b.now + '.'));
    return lines.join('\n') + '\nHeld-out accuracy ' + pct(r.before) + ' → ' + pct(r.after) + '.';
  }

  $('erase').onclick = async () => {
    if (!email()) return;
    try {
      // The server asks twice: first what would go, then the erasure with the token it gave.
      /** @type {{ preview: { tickets: number, conversations: number, customerRecords: number }, token: string }} */
      const ask = await post('/agent/api/privacy/erase', { email: email() });
      const p = ask.preview;
      if (!window.confirm('Erase ' + p.tickets + ' ticket(s), ' + p.conversations + ' conversation(s) and ' + p.customerRecords + ' kept address(es) of ' + email() + '? This cannot be undone.')) return;
      /** @type {Record<string, number>} */
      const counts = await post('/agent/api/privacy/erase', { email: email(), confirm: true, token: ask.token });
      $('privacy-notice').textContent = 'Erased: ' + Object.entries(counts).map(([k, n]) => k + ' ' + n).join(', ') + '.';
    } catch (err) { $('privacy-notice').textContent = /** @type {Error} */ (err).message; }
    await loadAudit();
  };

  // Agents who are not leads read the inbox; the controls that would answer them 403 are not shown.
  fetch('/agent/api/me').then((r) => r.json()).then((/** @type {{lead: boolean}} */ me) => {
    if (me.lead === false) { document.body.classList.add('not-lead'); $('lead-note').hidden = false; }
  }).catch(() => undefined);
  load().catch((e) => { $('notice').textContent = 'Could not load the inbox: ' + /** @type {Error} */ (e).message; });
  loadReloads().catch(() => undefined);
  loadAudit().catch(() => undefined);
})();
