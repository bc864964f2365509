// @ts-check
// The support lead's numbers: outcomes, topics, abandoned forms, channels and ratings for a period, as
// charts (Chart.js) with the numbers beside them. Everything is put on the page as text.
(function () {
  'use strict';
  /** @param {string} id */
  const $ = (id) => /** @type {HTMLElement} */ (document.getElementById(id));
  /** @type {{ Chart: new (canvas: HTMLCanvasElement, config: object) => { destroy(): void } }} */
  const lib = /** @type {any} */ (window);
  /** @type {Record<string, { destroy(): void }>} */
  const charts = {};
  const COLOURS = { resolved: '#2e7d32', ticket: '#0a66c2', handed_off: '#8e44ad', abandoned: '#e67e22', out_of_scope: '#c0392b', no_request: '#95a5a6', in_progress: '#bdc3c7' };
  /** @param {string} o */
  const label = (o) => o.replace(/_/g, ' ');
  /** @param {number} n @param {number} of */
  const pct = (n, of) => (of ? (100 * n / of).toFixed(1) + '%' : '–');

  /** @param {string} id @param {string[]} head @param {(string | number)[][]} rows */
  const table = (id, head, rows) => textTable($(id), head, rows);

  /** @param {string} id @param {object} config */
  function chart(id, config) {
    if (charts[id]) charts[id].destroy();
    charts[id] = new lib.Chart(/** @type {HTMLCanvasElement} */ ($(id)), { ...config, options: { animation: false, maintainAspectRatio: false, ...(/** @type {{options?: object}} */ (config).options || {}) } });
  }

  async function load() {
    const since = /** @type {HTMLSelectElement} */ ($('since')).value;
    /** @type {HTMLAnchorElement} */ ($('csv')).href = '/agent/api/analytics.csv?since=' + encodeURIComponent(since);
    const res = await fetch('/agent/api/analytics?since=' + encodeURIComponent(since));
    if (res.status === 401) { location.href = '/agent/login'; return; }
    /** @type {{from: string, to: string, conversations: number, order: string[], definitions: Record<string, string>, outcomes: Record<string, number>,
     *  byIntent: {intent: string, conversations: number, outcomes: Record<string, number>}[], byChannel: {channel: string, conversations: number, outcomes: Record<string, number>, clarificationRate: number, outOfScopeRate: number, csat?: number}[],
     *  ticketsByDepartment: Record<string, number>, abandonedAt: {question: string, count: number}[], clarificationRate: number, outOfScopeRate: number,
     *  csat: {responses: number, average?: number, distribution: number[]}}} */
    const r = await res.json();
    const order = r.order;
    $('headline').textContent = r.conversations + ' conversation' + (r.conversations === 1 ? '' : 's') + ' started between ' + r.from.slice(0, 16).replace('T', ' ') + ' and ' + r.to.slice(0, 16).replace('T', ' ') + ' UTC.';

    chart('outcomes-chart', { type: 'doughnut', data: { labels: order.map(label), datasets: [{ data: order.map((o) => r.outcomes[o]), backgroundColor: order.map((o) => /** @type {Record<string, string>} */ (COLOURS)[o]) }] } });
    table('outcomes', ['Outcome', 'Conversations', 'Share'], order.map((o) => [label(o), r.outcomes[o], pct(r.outcomes[o], r.conversations)]));

    chart('csat-chart', { type: 'bar', data: { labels: ['1', '2', '3', '4', '5'], datasets: [{ label: 'Ratings', data: r.csat.distribution, backgroundColor: '#0a66c2' }] }, options: { plugins: { legend: { display: false } } } });
    table('csat', ['Ratings', 'Average'], [[r.csat.responses, r.csat.average === undefined ? '–' : r.csat.average.toFixed(2) + ' / 5']]);

    chart('intents-chart', {
      type: 'bar',
      data: { labels: r.byIntent.map((i) => i.intent), datasets: order.map((o) => ({ label: label(o), data: r.byIntent.map((i) => i.outcomes[o]), backgroundColor: /** @type {Record<string, string>} */ (COLOURS)[o] })) },
      options: { indexAxis: 'y', scales: { x: { stacked: true }, y: { stacked: true } } },
    });
    table('intents', ['Topic', 'Conversations', ...order.map(label)], r.byIntent.map((i) => [i.intent, i.conversations, ...order.map((o) => i.outcomes[o])]));

    chart('abandoned-chart', { type: 'bar', data: { labels: r.abandonedAt.map((a) => a.question), datasets: [{ label: 'Left here', data: r.abandonedAt.map((a) => a.count), backgroundColor: '#e67e22' }] }, options: { indexAxis: 'y', plugins: { legend: { display: false } } } });
    table('abandoned', ['Question', 'Left here'], r.abandonedAt.map((a) => [a.question, a.count]));

    table('channels', ['Channel', 'Conversations', ...order.map(label), 'clarified', 'out of scope', 'CSAT'],
      r.byChannel.map((c) => [c.channel, c.conversations, ...order.map((o) => c.outcomes[o]), pct(c.clarificationRate, 1), pct(c.outOfScopeRate, 1), c.csat === undefined ? '–' : c.csat.toFixed(2)]));
    table('rates', ['Rate', 'Share of conversations'], [
      ['asked which topic was meant (clarification)', pct(r.clarificationRate, 1)],
      ['could not place a message (out of scope)', pct(r.outOfScopeRate, 1)],
      ...Object.entries(r.ticketsByDepartment).map(([d, n]) => ['tickets to ' + d, String(n)]),
    ]);

    const dl = $('definitions');
    dl.textContent = '';
    for (const o of order) {
      const dt = document.createElement('dt');
      dt.textContent = label(o);
      const dd = document.createElement('dd');
      dd.textContent = r.definitions[o] || '';
      dl.append(dt, dd);
    }
  }

  $('since').onchange = () => { load().catch(() => undefined); };
  load().catch((e) => { $('headline').textContent = 'Could not load the numbers: ' + /** @type {Error} */ (e).message; });
})();
