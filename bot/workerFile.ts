import fs from 'node:fs';
import path from 'node:path';
import { projectRoot } from '../rules/projectRoot';

/**
 * A worker thread's compiled entry, `bot/<name>.js`. Under ts-jest this code runs from source and the
 * worker from the build (npm test builds first).
 */
export function workerFile(name: string): string {
  const beside = path.join(__dirname, `${name}.js`);
  if (fs.existsSync(beside)) return beside;
  const built = path.join(projectRoot(), 'dist', 'bot', `${name}.js`);
  if (fs.existsSync(built)) return built;
  throw new Error(`${name} is not built: run npm run build`);
}
