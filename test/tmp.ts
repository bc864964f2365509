import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

/** A fresh folder under the OS temp dir (kept apart from helpers.ts so browser-environment tests can use it). */
export function tempDir(prefix = 'kt-test-'): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), prefix));
}
