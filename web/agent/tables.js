// @ts-check
// A table of text cells for the console's pages: customer text is put on the page as text, never HTML.
/**
 * Fills `table` with a header row and `rows`; `rowClass` names a row's class (by its index), if any.
 * @param {HTMLElement} table @param {string[]} head @param {(string | number)[][]} rows @param {(row: number) => string} [rowClass]
 */
function textTable(table, head, rows, rowClass) {
  table.textContent = '';
  const tr = document.createElement('tr');
  for (const h of head) { const th = document.createElement('th'); th.textContent = h; tr.appendChild(th); }
  table.appendChild(tr);
  rows.forEach((row, i) => {
    const r = document.createElement('tr');
    for (const cell of row) { const td = document.createElement('td'); td.textContent = String(cell); r.appendChild(td); }
    const className = rowClass ? rowClass(i) : '';
    if (className) r.className = className;
    table.appendChild(r);
  });
}
