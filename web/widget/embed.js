// @ts-check
// The chat widget: one <script> tag on any page adds a launcher button and a panel with Web Chat talking to
// the triage bot. Settings come from data- attributes on that tag (see the README):
//   data-title, data-accent (#rgb / #rrggbb), data-position (right | left), data-locale, data-open (true).
// The conversation id and token are kept in localStorage, so a reload or a new visit carries on the same
// conversation (the bot renews the token), with its history. The visitor pass is kept apart: a new
// conversation in this browser is the same visitor, offered what they told the bot last time.
(function () {
  'use strict';
  /** @type {any} */
  const w = window;
  const script = /** @type {HTMLScriptElement | null} */ (document.currentScript);
  if (!script || w.KartraChat) return;

  const base = script.src.replace(/\/widget\/embed\.js(\?.*)?$/, '');
  const data = script.dataset;
  const settings = {
    title: (data.title || 'Kartra Support').slice(0, 60),
    accent: /^#(?:[0-9a-f]{3}|[0-9a-f]{6})$/i.test(data.accent || '') ? String(data.accent) : '#0a66c2',
    position: data.position === 'left' ? 'left' : 'right',
    locale: data.locale || navigator.language || 'en-US',
    open: data.open === 'true',
  };
  const storageKey = 'kartra-chat:' + base;
  const visitorKey = storageKey + ':visitor';

  /** @param {string} tag @param {string} className @param {Record<string, string>} [attrs] */
  function el(tag, className, attrs) {
    const e = document.createElement(tag);
    e.className = className;
    for (const [k, v] of Object.entries(attrs || {})) e.setAttribute(k, v);
    return e;
  }

  const css = /** @type {HTMLLinkElement} */ (el('link', '', { rel: 'stylesheet', href: base + '/widget/widget.css' }));
  document.head.appendChild(css);

  const root = el('div', 'kt-chat kt-chat--' + settings.position);
  root.style.setProperty('--kt-accent', settings.accent);
  const launcher = el('button', 'kt-chat__launcher', { type: 'button', 'aria-label': 'Open chat with ' + settings.title, 'aria-expanded': 'false' });
  launcher.innerHTML = '<svg viewBox="0 0 24 24" width="28" height="28" aria-hidden="true"><path fill="currentColor" d="M4 4h16a2 2 0 0 1 2 2v10a2 2 0 0 1-2 2H8l-4 4V6a2 2 0 0 1 2-2z"/></svg>';
  const panel = el('section', 'kt-chat__panel', { role: 'dialog', 'aria-label': settings.title, hidden: '' });
  const header = el('header', 'kt-chat__header');
  const title = el('h2', 'kt-chat__title');
  title.textContent = settings.title;
  const restart = el('button', 'kt-chat__icon', { type: 'button', 'aria-label': 'Start a new conversation', title: 'Start a new conversation' });
  restart.textContent = '↺';
  const close = el('button', 'kt-chat__icon', { type: 'button', 'aria-label': 'Close chat', title: 'Close' });
  close.textContent = '×';
  header.append(title, restart, close);
  const status = el('div', 'kt-chat__status', { role: 'status' });
  const body = el('div', 'kt-chat__body');
  panel.append(header, status, body);
  root.append(panel, launcher);
  document.body.appendChild(root);

  /** @type {Promise<void> | undefined} */
  let loading;
  /** @type {any} */
  let directLine;

  /** @param {string} src */
  function loadScript(src) {
    return new Promise((resolve, reject) => {
      if (w.WebChat) { resolve(undefined); return; }
      const s = /** @type {HTMLScriptElement} */ (el('script', '', { src: src, async: '' }));
      s.onload = () => resolve(undefined);
      s.onerror = () => reject(new Error('Web Chat could not be loaded'));
      document.head.appendChild(s);
    });
  }

  function saved() {
    try {
      const v = JSON.parse(localStorage.getItem(storageKey) || 'null');
      return v && typeof v.conversationId === 'string' && typeof v.token === 'string' ? v : undefined;
    } catch (e) {
      return undefined;
    }
  }

  /** A token for a new conversation, or a renewed one for the conversation this browser already has. */
  async function session() {
    const previous = saved();
    let visitor = null;
    try { visitor = localStorage.getItem(visitorKey); } catch (e) { /* private mode */ }
    const res = await fetch(base + '/api/directline/token', {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({
        ...(previous ? { resume: { conversationId: previous.conversationId, token: previous.token, userId: previous.userId } } : {}),
        ...(visitor ? { visitor: visitor } : {}),
      }),
    });
    const s = await res.json().catch(() => ({}));
    if (!res.ok || typeof s.token !== 'string') throw new Error(s.error || 'The chat is unavailable (' + res.status + ').');
    try {
      localStorage.setItem(storageKey, JSON.stringify({ conversationId: s.conversationId, token: s.token, userId: s.userId }));
      if (typeof s.visitor === 'string') localStorage.setItem(visitorKey, s.visitor);
    } catch (e) { /* private mode: the conversation just won't survive a reload */ }
    return s;
  }

  async function start() {
    status.textContent = 'Connecting…';
    body.textContent = '';
    await loadScript(base + '/widget/webchat.js');
    const s = await session();
    if (directLine) directLine.end();
    // A fresh element per conversation: Web Chat keeps its React root on the element it rendered into, and
    // would not draw a new conversation into one whose content was cleared.
    const view = el('div', 'kt-chat__view');
    body.textContent = '';
    body.appendChild(view);
    directLine = w.WebChat.createDirectLine({
      domain: s.domain,
      token: s.token,
      webSocket: true,
      // Carrying on: reconnect to the conversation (history comes back from the start) instead of opening one.
      ...(s.resumed ? { conversationId: s.conversationId } : { conversationStartProperties: { locale: settings.locale } }),
    });
    w.WebChat.renderWebChat({
      directLine: directLine,
      // A store per conversation, so "start a new conversation" shows an empty transcript.
      store: w.WebChat.createStore(),
      userID: s.userId,
      locale: settings.locale,
      // Lets an agent who has taken the conversation see that the customer is typing.
      sendTypingIndicator: true,
      styleOptions: {
        accent: settings.accent,
        botAvatarInitials: 'K',
        userAvatarInitials: 'You',
        hideUploadButton: false,
        uploadAccept: 'image/png,image/jpeg,image/gif,image/webp,application/pdf',
        uploadMultiple: false,
        // Choosing a file sends it, as the bot's question asks; staged files are easy to miss on a phone.
        sendAttachmentOn: 'attach',
        suggestedActionLayout: 'flow',
        rootHeight: '100%',
      },
    }, view);
    status.textContent = '';
  }

  function load() {
    loading = loading || start().catch((err) => {
      loading = undefined;
      status.textContent = (err && err.message) || 'The chat is unavailable right now.';
      const retry = el('button', 'kt-chat__retry', { type: 'button' });
      retry.textContent = 'Try again';
      retry.onclick = () => { status.textContent = ''; load(); };
      status.appendChild(retry);
    });
    return loading;
  }

  function open() {
    panel.hidden = false;
    root.classList.add('kt-chat--open');
    launcher.setAttribute('aria-expanded', 'true');
    load().then(() => {
      const input = body.querySelector('input[type="text"], textarea');
      if (input instanceof HTMLElement) input.focus();
    });
  }

  function hide() {
    panel.hidden = true;
    root.classList.remove('kt-chat--open');
    launcher.setAttribute('aria-expanded', 'false');
    launcher.focus();
  }

  launcher.addEventListener('click', () => (panel.hidden ? open() : hide()));
  close.addEventListener('click', hide);
  restart.addEventListener('click', () => {
    try { localStorage.removeItem(storageKey); } catch (e) { /* nothing saved */ }
    loading = undefined;
    load();
  });
  panel.addEventListener('keydown', (e) => { if (e.key === 'Escape') hide(); });

  w.KartraChat = { open: open, close: hide };
  if (settings.open) open();
})();
