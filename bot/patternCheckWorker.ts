// A worker thread's entry: tries each rule pattern on awkward messages and reports the slow ones. The
// server stops this thread when a pattern never finishes (see patternCheck.ts).
import { isMainThread, parentPort, workerData } from 'node:worker_threads';

/** Messages that make a badly nested pattern backtrack: long runs the pattern's end then fails on. */
const PROBES = [
  'my account keeps logging me out whenever i try to open the editor page today and i do not know why',
  `${'a'.repeat(40)}!`, `${'ab '.repeat(30)}!`, `${'word, '.repeat(25)}?`, `${'1'.repeat(40)}x`, `${'1.'.repeat(30)}x`,
  `${'a-'.repeat(30)}!`, `${'a@'.repeat(25)}!`, `${' '.repeat(60)}x`, `${'ok '.repeat(30)}zzz`, `${'no '.repeat(30)}?`,
  `${'hello world '.repeat(160)}!`,
];
/** Never matched by a rule: where a run of the pattern's own text stops. */
const END = '\u2603';

/**
 * Probes made of the pattern's own text: each character and each word it names, repeated (so "(x+x+)+y"
 * meets a run of x, "^(?:yes|ye|s)+$" a run of "yes", "\brefund\b.*.*.*\bpolicy\b" a long "refund …"),
 * ending in a character nothing matches; short runs for exponential blow-ups, a long one for polynomial.
 */
function probesFor(source: string): string[] {
  const plain = source.replace(/\\[pPu]\{[^}]*\}|\\[a-zA-Z]/g, ' ');
  const chars = [...new Set(plain.match(/[\p{L}\p{N}!?.,:;@#'"\- ]/gu) ?? [])].slice(0, 24);
  const words = [...new Set(plain.match(/\p{L}{2,}/gu) ?? [])].slice(0, 12);
  const marks = chars.filter((c) => !/[\p{L}\p{N}]/u.test(c));
  return [
    ...chars.flatMap((c) => [`${c.repeat(40)}${END}`, `${c.repeat(40)}!`]),
    ...words.flatMap((w) => [`${w.repeat(30)}${END}`, `${w.repeat(30)}!`, `${`${w} `.repeat(30)}${END}`, `${w} ${'please '.repeat(300)}${END}`,
      // A word then a run of punctuation: "ok!!!!!!…x" against a command's trailing repetition.
      ...marks.map((c) => `${w}${c.repeat(30)}x`)]),
  ];
}
const SLOW_MS = 200;

if (!isMainThread && parentPort) {
  const port = parentPort;
  const slow: Array<{ index: number; ms: number }> = [];
  (workerData as string[]).forEach((source, index) => {
    port.postMessage({ at: index });
    let re: RegExp;
    try { re = new RegExp(source, 'iu'); } catch { return; }
    for (const probe of [...PROBES, ...probesFor(source)]) {
      const started = performance.now();
      re.test(probe);
      const ms = performance.now() - started;
      if (ms > SLOW_MS) { slow.push({ index, ms }); break; }
    }
  });
  port.postMessage({ slow });
}
