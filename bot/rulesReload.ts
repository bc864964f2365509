import fs from 'node:fs';
import path from 'node:path';
import { defaultKnowledgeDir } from '../knowledge';
import { loadBrainSources } from '../rules';
import { rulePatterns, slowPatterns } from './patternCheck';
import { defaultRulesDir } from '../rules/loader';
import type { Learning } from './learning/model';
import type { Logger } from './logger';
import type { EventBus } from './store/events';
import type { RuleReloadLog } from './store/ruleReloads';

export interface BrainDirs { rulesDir?: string; knowledgeDir?: string }
export type ReloadResult = { ok: true; files: string[] } | { ok: false; files: string[]; error: string };

const SETTLE_MS = 300;

/**
 * Rules and knowledge edited while the bot runs: the files are watched (and a console button asks too);
 * a change is read and checked whole, and only a set that loads serves the next message. A broken file
 * is refused with file, path and reason, in the log and the console, and the previous rules keep
 * serving. Each reload is recorded; one asked for in the console is passed to the other instances.
 */
export class RulesReloader {
  private watchers: fs.FSWatcher[] = [];
  private changed = new Set<string>();
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<ReloadResult> | undefined;

  constructor(private readonly o: {
    dirs: BrainDirs; learning: Learning; reloads: RuleReloadLog; bus: EventBus; instanceId: string; log: Logger;
  }) {
    o.bus.on('rules', () => { void this.reload('another instance', []); });
  }

  private get roots(): string[] {
    return [this.o.dirs.rulesDir ?? defaultRulesDir(), this.o.dirs.knowledgeDir ?? defaultKnowledgeDir()];
  }

  /**
   * Watches every folder under rules and knowledge; edits settle for a moment, then one reload takes them
   * all. Folders, not files, and not Node's recursive watch: on Linux that watches each file, and loses a
   * file an editor saves by writing a new one and renaming it over the old.
   */
  watch(): void {
    const folders = (root: string): string[] => [root, ...fs.readdirSync(root, { withFileTypes: true }).filter((d) => d.isDirectory()).flatMap((d) => folders(path.join(d.parentPath, d.name)))];
    for (const root of this.roots) {
      if (!fs.existsSync(root)) continue;
      for (const folder of folders(root)) {
        const watcher = fs.watch(folder, (_event, file) => {
          if (!file || !/\.(ya?ml|md)$/.test(String(file))) return;
          this.changed.add(path.join(path.basename(root), path.relative(root, path.join(folder, String(file)))));
          clearTimeout(this.timer);
          this.timer = setTimeout(() => { const files = [...this.changed]; this.changed.clear(); void this.reload('file change', files); }, SETTLE_MS);
        });
        watcher.on('error', (err) => this.o.log.warn({ err }, 'rules watch failed'));
        this.watchers.push(watcher);
      }
    }
  }

  stop(): void {
    clearTimeout(this.timer);
    for (const w of this.watchers) w.close();
    this.watchers = [];
  }

  /** Reads the rules and knowledge again; serves them if they load, keeps the previous ones if not. */
  reload(by: string, files: string[], tellOthers = false): Promise<ReloadResult> {
    const run = (this.running ?? Promise.resolve(undefined)).then(async (): Promise<ReloadResult> => {
      let result: ReloadResult;
      try {
        const sources = loadBrainSources(this.o.dirs);
        // A pattern that backtracks without end would hold every customer's reply: refused like a broken file.
        const slow = await slowPatterns(rulePatterns(sources));
        if (slow.length) throw new Error(slow.join('\n'));
        await this.o.learning.reload(sources);
        result = { ok: true, files };
        this.o.log.info({ by, files }, 'rules reloaded');
      } catch (err) {
        const error = err instanceof Error ? err.message : String(err);
        result = { ok: false, files, error };
        // The reason names a file, a path and what is wrong with it: rules text, not customer text.
        this.o.log.error({ by, files, reason: error }, 'rules reload refused: the previous rules keep serving');
      }
      await this.o.reloads.record({ by, instanceId: this.o.instanceId, files, ...(result.ok ? {} : { error: result.error }) })
        .catch((err: unknown) => this.o.log.warn({ err }, 'could not record the rules reload'));
      if (result.ok && tellOthers) await this.o.bus.publish('rules', 'rules').catch(() => undefined);
      return result;
    });
    this.running = run;
    return run;
  }
}
