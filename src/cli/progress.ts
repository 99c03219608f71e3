// Progress display for the CLI: a redrawn bar on a terminal, plain lines when piped, nothing with -q.
export type ProgressMode = 'bar' | 'lines' | 'quiet';

interface Out {
  write(s: string): unknown;
  isTTY?: boolean;
  columns?: number;
}

interface TaskState {
  stage: string;
  fraction: number; // 0..1, overall for the task
  printedStep: number; // last 25 % step printed in lines mode
}

const BAR_WIDTH = 24; // characters
const REDRAW_MS = 100;

/** 'quiet' with -q, 'bar' on a terminal, 'lines' otherwise. */
export function progressMode(out: Out, quiet: boolean): ProgressMode {
  if (quiet) return 'quiet';
  return out.isTTY ? 'bar' : 'lines';
}

export class Progress {
  private readonly tasks = new Map<string, TaskState>();
  private lastDraw = 0;
  private drawn = false;

  constructor(
    private readonly out: Out,
    readonly mode: ProgressMode,
  ) {}

  /** Reports that `task` is in `stage` with `fraction` (0..1) of its work done. */
  update(task: string, stage: string, fraction: number): void {
    if (this.mode === 'quiet') return;
    const prev = this.tasks.get(task);
    const state: TaskState = { stage, fraction, printedStep: prev?.printedStep ?? -1 };
    this.tasks.set(task, state);
    if (this.mode === 'lines') {
      const step = Math.floor(fraction * 4);
      if (!prev || prev.stage !== stage || step > state.printedStep) {
        state.printedStep = step;
        this.out.write(`${task}: ${stage} ${Math.round(fraction * 100)}%\n`);
      }
      return;
    }
    const now = Date.now();
    if (now - this.lastDraw >= REDRAW_MS || !prev || prev.stage !== stage) this.draw(now);
  }

  /** Forgets `task` (done or failed). */
  end(task: string): void {
    this.tasks.delete(task);
    if (this.mode === 'bar') this.draw(Date.now());
  }

  /** Prints a whole line (result or error) without tearing the bar. */
  log(line: string, to: Out = this.out): void {
    if (this.mode === 'bar') this.clear();
    to.write(line + '\n');
    if (this.mode === 'bar' && this.tasks.size > 0) this.draw(Date.now());
  }

  /** Clears the bar before the program exits. */
  close(): void {
    if (this.mode === 'bar') this.clear();
  }

  private clear(): void {
    if (this.drawn) this.out.write('\r\x1b[K');
    this.drawn = false;
  }

  private draw(now: number): void {
    this.lastDraw = now;
    this.clear();
    if (this.tasks.size === 0) return;
    const parts = [...this.tasks].map(([task, s]) => {
      const filled = Math.round(Math.min(1, Math.max(0, s.fraction)) * BAR_WIDTH);
      const bar = '#'.repeat(filled) + '-'.repeat(BAR_WIDTH - filled);
      return `[${bar}] ${String(Math.round(s.fraction * 100)).padStart(3)}% ${s.stage.padEnd(8)} ${task}`;
    });
    const columns = this.out.columns ?? 80;
    this.out.write(parts.join('  |  ').slice(0, columns - 1));
    this.drawn = true;
  }
}
