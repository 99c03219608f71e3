// The page's side of the separation worker: starts jobs, relays progress with a remaining-time
// estimate, cancels (terminating the worker if it does not stop promptly).
import type { Audio } from '../../src/audio/audio.js';
import { Emitter } from './events.js';
import type { MashupTarget, RunInfo, SeparationSettings, SpectrogramImage, StemData, WorkerReply, WorkerRequest } from './protocol.js';

export type SeparationEvents = {
  info: [info: RunInfo];
  /** `remaining`: estimated seconds left, null until the estimate is meaningful. */
  progress: [fraction: number, stage: string, remaining: number | null];
};

export interface SeparationResult {
  mix: Audio; // the input at 44.1 kHz stereo
  stems: StemData[];
  spectrograms: SpectrogramImage[];
  seconds: number; // separation wall time in the worker
  info: RunInfo;
}

export interface MashupResult {
  stem: StemData; // the matched stem, as long as the first song
  spectrogram: SpectrogramImage;
  notes: string[]; // tempo, key and alignment decisions, for the page
}

type Finished = Extract<WorkerReply, { type: 'done' | 'matched' }>;

export class CancelledError extends Error {
  constructor() {
    super('Separation cancelled.');
  }
}

const CANCEL_GRACE_MS = 1500; // after this, a cancelled worker is terminated
const MIN_FRACTION_FOR_ESTIMATE = 0.03;

interface Job {
  id: number;
  resolve: (reply: Finished, info: RunInfo) => void;
  reject: (e: Error) => void;
  info?: RunInfo;
  clock?: { time: number; fraction: number }; // first progress point of the separating stage
  remaining: number | null;
  cancelTimer?: ReturnType<typeof setTimeout>;
}

export class SeparationClient extends Emitter<SeparationEvents> {
  private worker: Worker | null = null;
  private job: Job | null = null;
  private nextId = 1;

  constructor(private readonly workerUrl: URL) {
    super();
  }

  get busy(): boolean {
    return this.job !== null;
  }

  /** Separates `audio` (any rate and channel count; its buffers are transferred to the worker). */
  async separate(audio: Audio, settings: SeparationSettings): Promise<SeparationResult> {
    const { reply, info } = await this.start((id) => ({ type: 'separate', id, sampleRate: audio.sampleRate, channels: audio.channels, settings }), audio);
    if (reply.type !== 'done') throw new Error(`unexpected ${reply.type} reply`);
    return { mix: { sampleRate: 44100, channels: reply.mix }, stems: reply.stems, spectrograms: reply.spectrograms, seconds: reply.seconds, info };
  }

  /**
   * Separates a second song, `audio` (transferred), and matches its `take` stem to the first song's
   * tempo, key and downbeat; `target` (transferred too) describes the first song.
   */
  async mashup(audio: Audio, take: string, target: MashupTarget, settings: SeparationSettings): Promise<MashupResult> {
    const { reply } = await this.start(
      (id) => ({ type: 'mashup', id, sampleRate: audio.sampleRate, channels: audio.channels, settings, take, target }),
      audio,
      [...target.all, ...target.harmonic],
    );
    if (reply.type !== 'matched') throw new Error(`unexpected ${reply.type} reply`);
    return { stem: reply.stem, spectrogram: reply.spectrogram, notes: reply.notes };
  }

  private start(request: (id: number) => WorkerRequest, audio: Audio, extra: Float32Array[] = []): Promise<{ reply: Finished; info: RunInfo }> {
    if (this.job) return Promise.reject(new Error('A separation is already running.'));
    const worker = this.ensureWorker();
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.job = { id, resolve: (reply, info) => resolve({ reply, info }), reject, remaining: null };
      worker.postMessage(request(id), [...new Set([...audio.channels, ...extra].map((c) => c.buffer))]);
    });
  }

  /** Stops the running job; its promise rejects with CancelledError. */
  cancel(): void {
    const job = this.job;
    if (!job || job.cancelTimer) return;
    this.worker?.postMessage({ type: 'cancel', id: job.id } satisfies WorkerRequest);
    job.cancelTimer = setTimeout(() => {
      this.finish(job, () => job.reject(new CancelledError()));
    }, CANCEL_GRACE_MS);
  }

  dispose(): void {
    this.terminate();
    this.clear();
  }

  private ensureWorker(): Worker {
    if (this.worker) return this.worker;
    const worker = new Worker(this.workerUrl, { type: 'module', name: 'demix-separation' });
    worker.onmessage = (e: MessageEvent<WorkerReply>) => this.onReply(e.data);
    worker.onerror = (e) => {
      e.preventDefault();
      const job = this.job;
      if (job) this.finish(job, () => job.reject(new Error(`The separation worker failed: ${e.message || 'unknown error'}`)));
    };
    this.worker = worker;
    return worker;
  }

  private terminate(): void {
    this.worker?.terminate();
    this.worker = null;
  }

  /**
   * Ends `job`. The worker goes too: idle, it would keep the model, its WebAssembly heaps and the
   * garbage of the last song (hundreds of MB for a long one); a new one starts in about a second.
   */
  private finish(job: Job, settle: () => void): void {
    if (this.job !== job) return;
    clearTimeout(job.cancelTimer);
    this.job = null;
    this.terminate();
    settle();
  }

  private onReply(reply: WorkerReply): void {
    const job = this.job;
    if (!job || reply.id !== job.id) return;
    switch (reply.type) {
      case 'info':
        job.info = reply.info;
        this.emit('info', reply.info);
        break;
      case 'progress':
        this.emit('progress', reply.fraction, reply.stage, reply.stage === 'separating' ? this.estimate(job, reply.fraction) : null);
        break;
      case 'done':
      case 'matched': {
        const info = job.info ?? { model: 'unknown', backend: 'unknown', threads: 1, simd: false, crossOriginIsolated };
        this.finish(job, () => job.resolve(reply, info));
        break;
      }
      case 'error':
        this.finish(job, () => job.reject(new Error(reply.message)));
        break;
      case 'cancelled':
        this.finish(job, () => job.reject(new CancelledError()));
        break;
    }
  }

  /** Seconds left, extrapolated from the rate since the first report of the separating stage, smoothed. */
  private estimate(job: Job, fraction: number): number | null {
    const now = performance.now() / 1000;
    if (!job.clock) {
      job.clock = { time: now, fraction };
      return null;
    }
    const done = fraction - job.clock.fraction;
    if (done < MIN_FRACTION_FOR_ESTIMATE) return null;
    const raw = ((now - job.clock.time) / done) * (1 - fraction);
    job.remaining = job.remaining === null ? raw : 0.7 * job.remaining + 0.3 * raw;
    return Math.max(0, job.remaining);
  }
}
