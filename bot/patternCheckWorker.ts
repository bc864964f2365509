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
const SLOW_MS = 200;

if (!isMainThread && parentPort) {
  const port = parentPort;
  const slow: Array<{ index: number; ms: number }> = [];
  (workerData as string[]).forEach((source, index) => {
    port.postMessage({ at: index });
    let re: RegExp;
    try { re = new RegExp(source, 'iu'); } catch { return; }
    for (const probe of PROBES) {
      const started = performance.now();
      re.test(probe);
      const ms = performance.now() - started;
      if (ms > SLOW_MS) { slow.push({ index, ms }); break; }
    }
  });
  port.postMessage({ slow });
}
