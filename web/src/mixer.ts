// The Web Audio engine of the result view: one lane per stem (volume, mute, solo), a shared
// transport (play, pause, seek, loop region) keeping the stems in sync, and a master meter.
import { Emitter } from './events.js';

export interface LaneState {
  name: string;
  volume: number; // linear gain, 0..1.5
  muted: boolean;
  soloed: boolean;
}

export interface LoopRegion {
  start: number; // seconds
  end: number; // seconds, > start
}

export type MixerEvents = {
  play: [time: number];
  pause: [time: number];
  seek: [time: number];
  ended: [];
  loop: [region: LoopRegion | null];
  lane: [index: number, state: LaneState];
};

export interface MeterReading {
  peakDb: number[]; // per channel, dBFS (-Infinity for silence)
  rmsDb: number[]; // per channel, dBFS
}

const RAMP_SECONDS = 0.01; // gain changes glide over this time constant to avoid clicks
const MIN_LOOP_SECONDS = 0.05;

/** The gain a lane actually plays at: muted lanes are silent, and while any lane is soloed only soloed lanes play. */
export function audibleGain(lane: LaneState, anySolo: boolean): number {
  if (lane.muted || (anySolo && !lane.soloed)) return 0;
  return lane.volume;
}

export class Mixer extends Emitter<MixerEvents> {
  readonly lanes: LaneState[];
  readonly duration: number; // seconds
  private readonly gains: GainNode[];
  private readonly master: GainNode;
  private readonly analysers: AnalyserNode[];
  private sources: AudioBufferSourceNode[] = [];
  private startedAt = 0; // ctx.currentTime when playback (re)started
  private offset = 0; // song time at startedAt, seconds
  private loopRegion: LoopRegion | null = null;
  private endTimer: ReturnType<typeof setTimeout> | undefined;
  private readonly scratch: Float32Array<ArrayBuffer>;

  /** `stems[i].buffer`: the stem's audio, all of the same length and rate. */
  constructor(
    readonly ctx: AudioContext,
    readonly stems: readonly { name: string; buffer: AudioBuffer }[],
  ) {
    super();
    this.duration = stems.length ? stems[0].buffer.duration : 0;
    this.lanes = stems.map((s) => ({ name: s.name, volume: 1, muted: false, soloed: false }));
    this.master = new GainNode(ctx);
    this.master.connect(ctx.destination);
    this.gains = stems.map(() => {
      const g = new GainNode(ctx);
      g.connect(this.master);
      return g;
    });
    const splitter = new ChannelSplitterNode(ctx, { numberOfOutputs: 2 });
    this.master.connect(splitter);
    this.analysers = [0, 1].map((c) => {
      const a = new AnalyserNode(ctx, { fftSize: 2048 });
      splitter.connect(a, c);
      return a;
    });
    this.scratch = new Float32Array(2048);
  }

  get playing(): boolean {
    return this.sources.length > 0;
  }

  get loop(): LoopRegion | null {
    return this.loopRegion;
  }

  /** The playhead, seconds. */
  currentTime(): number {
    if (!this.playing) return this.offset;
    const t = this.offset + (this.ctx.currentTime - this.startedAt);
    const loop = this.loopRegion;
    if (loop && t >= loop.end) return loop.start + ((t - loop.start) % (loop.end - loop.start));
    return Math.min(t, this.duration);
  }

  async play(): Promise<void> {
    if (this.playing || this.duration === 0) return;
    if (this.ctx.state === 'suspended') await this.ctx.resume();
    if (this.offset >= this.duration) this.offset = 0;
    const loop = this.loopRegion;
    if (loop && (this.offset < loop.start || this.offset >= loop.end)) this.offset = loop.start;
    this.applyGains(true);
    const when = this.ctx.currentTime + 0.02;
    this.sources = this.stems.map((stem, i) => {
      const src = new AudioBufferSourceNode(this.ctx, { buffer: stem.buffer });
      if (loop) {
        src.loop = true;
        src.loopStart = loop.start;
        src.loopEnd = loop.end;
      }
      src.connect(this.gains[i]);
      src.start(when, this.offset);
      return src;
    });
    this.startedAt = when;
    this.scheduleEnd();
    this.emit('play', this.offset);
  }

  pause(): void {
    if (!this.playing) return;
    this.offset = this.currentTime();
    this.stopSources();
    this.emit('pause', this.offset);
  }

  toggle(): Promise<void> {
    if (this.playing) {
      this.pause();
      return Promise.resolve();
    }
    return this.play();
  }

  /** Moves the playhead to `time` seconds (clamped), keeping playback going if it was. */
  seek(time: number): void {
    const t = Math.min(Math.max(0, time), this.duration);
    const wasPlaying = this.playing;
    if (wasPlaying) this.stopSources();
    this.offset = t;
    this.emit('seek', t);
    if (wasPlaying) void this.play();
  }

  /** Loops playback over `region` (seconds), or stops looping with null. */
  setLoop(region: LoopRegion | null): void {
    let next: LoopRegion | null = null;
    if (region) {
      const start = Math.max(0, Math.min(region.start, region.end));
      const end = Math.min(this.duration, Math.max(region.start, region.end));
      if (end - start >= MIN_LOOP_SECONDS) next = { start, end };
    }
    const wasPlaying = this.playing;
    const at = this.currentTime();
    if (wasPlaying) this.stopSources();
    this.loopRegion = next;
    this.offset = at;
    this.emit('loop', next);
    if (wasPlaying) void this.play();
  }

  setVolume(index: number, volume: number): void {
    this.updateLane(index, { volume: Math.min(1.5, Math.max(0, volume)) });
  }

  setMuted(index: number, muted: boolean): void {
    this.updateLane(index, { muted });
  }

  setSoloed(index: number, soloed: boolean): void {
    this.updateLane(index, { soloed });
  }

  /** Linear gains the lanes play at now (mute and solo applied): one per lane. */
  audibleGains(): number[] {
    const anySolo = this.lanes.some((l) => l.soloed);
    return this.lanes.map((l) => audibleGain(l, anySolo));
  }

  /** Level of the master output over the last ~46 ms. */
  meter(): MeterReading {
    const peakDb: number[] = [];
    const rmsDb: number[] = [];
    for (const a of this.analysers) {
      a.getFloatTimeDomainData(this.scratch);
      let peak = 0;
      let sum = 0;
      for (const v of this.scratch) {
        peak = Math.max(peak, Math.abs(v));
        sum += v * v;
      }
      peakDb.push(20 * Math.log10(peak));
      rmsDb.push(10 * Math.log10(sum / this.scratch.length));
    }
    return { peakDb, rmsDb };
  }

  /** Renders what the mixer plays (volumes, mute, solo) over the whole song, offline. */
  async renderMix(): Promise<AudioBuffer> {
    const first = this.stems[0].buffer;
    const offline = new OfflineAudioContext(2, first.length, first.sampleRate);
    this.audibleGains().forEach((gain, i) => {
      if (gain === 0) return;
      const src = new AudioBufferSourceNode(offline, { buffer: this.stems[i].buffer });
      src.connect(new GainNode(offline, { gain })).connect(offline.destination);
      src.start();
    });
    return offline.startRendering();
  }

  dispose(): void {
    this.stopSources();
    this.master.disconnect();
    this.clear();
  }

  private updateLane(index: number, change: Partial<LaneState>): void {
    const lane = this.lanes[index];
    if (!lane) return;
    Object.assign(lane, change);
    this.applyGains(false);
    this.emit('lane', index, { ...lane });
  }

  private applyGains(immediate: boolean): void {
    const now = this.ctx.currentTime;
    this.audibleGains().forEach((g, i) => {
      const param = this.gains[i].gain;
      param.cancelScheduledValues(now);
      if (immediate) param.setValueAtTime(g, now);
      else param.setTargetAtTime(g, now, RAMP_SECONDS);
    });
  }

  private stopSources(): void {
    clearTimeout(this.endTimer);
    for (const src of this.sources) {
      src.onended = null;
      src.stop();
      src.disconnect();
    }
    this.sources = [];
  }

  /** Without a loop, playback stops at the end of the song. */
  private scheduleEnd(): void {
    if (this.loopRegion) return;
    const remaining = this.duration - this.offset + (this.startedAt - this.ctx.currentTime);
    this.endTimer = setTimeout(() => {
      this.stopSources();
      this.offset = this.duration;
      this.emit('ended');
    }, remaining * 1000 + 30);
  }
}
