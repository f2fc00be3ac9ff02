import { appendFileSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { writeFileAtomicSync } from '../io/atomic.js';
import { readCheckpointMeta } from '../train/checkpoint.js';
import type { CheckpointMeta } from '../train/checkpoint.js';
import { UsageError } from './errors.js';

/** The files of one training run inside its output folder. */
export class RunFiles {
  readonly checkpoint: string;
  readonly log: string;
  readonly report: string;
  readonly result: string;

  constructor(readonly dir: string) {
    this.checkpoint = join(dir, 'checkpoint.safetensors');
    this.log = join(dir, 'log.jsonl');
    this.report = join(dir, 'report.html');
    this.result = join(dir, 'result.json');
  }

  /** Reads and validates the checkpoint, or null when there is none. A bad file is an error, never ignored. */
  readCheckpoint(): { bytes: Uint8Array; meta: CheckpointMeta } | null {
    if (!existsSync(this.checkpoint)) return null;
    let bytes: Uint8Array;
    try {
      bytes = readFileSync(this.checkpoint);
    } catch (e) {
      throw new UsageError(`cannot read ${this.checkpoint}: ${(e as Error).message}`);
    }
    try {
      return { bytes, meta: readCheckpointMeta(bytes) };
    } catch (e) {
      throw new UsageError(`${this.checkpoint} is not a readable checkpoint (${(e as Error).message}); it was left untouched`);
    }
  }

  /** Creates the folder. */
  ensure(): void {
    mkdirSync(this.dir, { recursive: true });
  }

  /** Atomically replaces the checkpoint. */
  writeCheckpoint(bytes: Uint8Array): void {
    writeFileAtomicSync(this.checkpoint, bytes);
  }

  /** Starts the JSON-lines log over with `lines`. */
  resetLog(lines: unknown[]): void {
    writeFileSync(this.log, lines.map((l) => JSON.stringify(l) + '\n').join(''));
  }

  /** Appends one record to the log. */
  appendLog(line: unknown): void {
    appendFileSync(this.log, JSON.stringify(line) + '\n');
  }

  /** Atomically writes a text file of the run. */
  writeText(path: string, text: string): void {
    writeFileAtomicSync(path, new TextEncoder().encode(text));
  }
}
