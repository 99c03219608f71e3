// The result view's DOM: one lane per stem (waveform / spectrogram, mute, solo, volume, download),
// the transport controls and the master meter, all bound to a Mixer.
import { computePeaks, drawSpectrogram, drawWaveform, peakLevel, type Peaks } from './draw.js';
import type { Mixer } from './mixer.js';
import type { SpectrogramImage } from './protocol.js';

const STEM_COLORS: Record<string, string> = {
  vocals: '#f0b429',
  drums: '#e4572e',
  bass: '#4c9ee8',
  other: '#59c27b',
  accompaniment: '#9b7ede',
};
const PEAK_COLUMNS = 2048;
const METER_FLOOR_DB = -60;
const DRAG_PIXELS = 4; // a pointer moving less than this is a click (seek), more a loop selection

export interface TransportElements {
  play: HTMLButtonElement;
  time: HTMLElement;
  seek: HTMLInputElement;
  loop: HTMLButtonElement;
  view: HTMLButtonElement;
  meter: HTMLElement;
}

interface Lane {
  root: HTMLElement;
  surface: HTMLElement;
  wave: HTMLCanvasElement;
  spec: HTMLCanvasElement;
  mute: HTMLButtonElement;
  solo: HTMLButtonElement;
  volume: HTMLInputElement;
  color: string;
  peaks: Peaks;
  image?: SpectrogramImage;
}

export function formatTime(seconds: number): string {
  const s = Math.max(0, Math.floor(seconds));
  return `${Math.floor(s / 60)}:${String(s % 60).padStart(2, '0')}`;
}

function element<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  props: Partial<HTMLElementTagNameMap[K]> = {},
  attrs: Record<string, string> = {},
): HTMLElementTagNameMap[K] {
  const el = Object.assign(document.createElement(tag), props);
  for (const [k, v] of Object.entries(attrs)) el.setAttribute(k, v);
  return el;
}

export class MixerView {
  private readonly lanes: Lane[];
  private showSpectrogram = false;
  private readonly waveScale: number; // all lanes share one scale, so their sizes compare
  private frame = 0;
  private readonly unsubscribe: (() => void)[] = [];
  private readonly resizeObserver: ResizeObserver;
  private readonly listeners = new AbortController(); // removes the transport listeners on dispose

  /** `onDownload(i)` is called when lane i's download button is pressed. */
  constructor(
    private readonly mixer: Mixer,
    private readonly container: HTMLElement,
    private readonly transport: TransportElements,
    images: SpectrogramImage[],
    onDownload: (index: number) => void,
  ) {
    container.replaceChildren();
    this.lanes = mixer.stems.map((stem, i) => {
      const channels = Array.from({ length: stem.buffer.numberOfChannels }, (_, c) => stem.buffer.getChannelData(c));
      const lane = this.buildLane(stem.name, i, computePeaks(channels, PEAK_COLUMNS), onDownload);
      lane.image = images.find((im) => im.name === stem.name);
      container.append(lane.root);
      return lane;
    });
    this.waveScale = 0.95 / Math.max(1e-3, ...this.lanes.map((l) => peakLevel(l.peaks)));
    this.bindTransport();
    this.unsubscribe.push(
      mixer.on('lane', () => this.renderLaneStates()),
      mixer.on('play', () => this.renderTransport()),
      mixer.on('pause', () => this.renderTransport()),
      mixer.on('ended', () => this.renderTransport()),
      mixer.on('seek', () => this.renderTransport()),
      mixer.on('loop', () => this.renderTransport()),
    );
    this.resizeObserver = new ResizeObserver(() => this.drawLanes());
    this.resizeObserver.observe(container);
    this.drawLanes();
    this.renderLaneStates();
    this.renderTransport();
    const tick = () => {
      this.renderPlayhead();
      this.frame = requestAnimationFrame(tick);
    };
    this.frame = requestAnimationFrame(tick);
  }

  setSpectrogramView(on: boolean): void {
    this.showSpectrogram = on;
    this.transport.view.setAttribute('aria-pressed', String(on));
    for (const lane of this.lanes) {
      lane.wave.hidden = on;
      lane.spec.hidden = !on;
    }
    this.drawLanes();
  }

  dispose(): void {
    cancelAnimationFrame(this.frame);
    this.resizeObserver.disconnect();
    for (const off of this.unsubscribe) off();
    this.listeners.abort();
    this.container.replaceChildren();
  }

  private buildLane(name: string, index: number, peaks: Peaks, onDownload: (i: number) => void): Lane {
    const color = STEM_COLORS[name.split(' ')[0]] ?? '#cccccc'; // 'vocals of song B' is coloured as vocals
    const root = element('div', { className: 'lane' }, { role: 'group', 'aria-label': `${name} lane` });
    root.style.setProperty('--lane-color', color);
    const head = element('div', { className: 'lane-head' });
    const key = index < 9 ? ` (key ${index + 1})` : '';
    const mute = element('button', { className: 'mute', textContent: 'M' }, { 'aria-label': `Mute ${name}${key}`, 'aria-pressed': 'false' });
    const solo = element('button', { className: 'solo', textContent: 'S' }, { 'aria-label': `Solo ${name}`, 'aria-pressed': 'false' });
    const volume = element('input', { type: 'range', min: '0', max: '1.5', step: '0.01', value: '1' }, { 'aria-label': `${name} volume` });
    const download = element('button', { className: 'download', textContent: 'wav' }, { 'aria-label': `Download ${name} as wav` });
    head.append(element('span', { className: 'lane-name', textContent: name }), mute, solo, volume, download);
    const surface = element('div', { className: 'lane-surface' }, { 'aria-hidden': 'true' });
    const wave = element('canvas', { className: 'wave' });
    const spec = element('canvas', { className: 'spec', hidden: true });
    surface.append(wave, spec, element('div', { className: 'loop-region', hidden: true }), element('div', { className: 'playhead' }));
    root.append(head, surface);

    mute.addEventListener('click', () => this.mixer.setMuted(index, !this.mixer.lanes[index].muted));
    solo.addEventListener('click', () => this.mixer.setSoloed(index, !this.mixer.lanes[index].soloed));
    volume.addEventListener('input', () => this.mixer.setVolume(index, Number(volume.value)));
    download.addEventListener('click', () => onDownload(index));
    this.bindSurface(surface);
    return { root, surface, wave, spec, mute, solo, volume, color, peaks };
  }

  /** Click on a lane to seek; drag across it to select a loop region. */
  private bindSurface(surface: HTMLElement): void {
    let downX: number | null = null;
    const timeAt = (x: number) => {
      const rect = surface.getBoundingClientRect();
      return (Math.min(Math.max(0, x - rect.left), rect.width) / rect.width) * this.mixer.duration;
    };
    surface.addEventListener('pointerdown', (e) => {
      downX = e.clientX;
      surface.setPointerCapture(e.pointerId);
    });
    surface.addEventListener('pointerup', (e) => {
      if (downX === null) return;
      if (Math.abs(e.clientX - downX) < DRAG_PIXELS) this.mixer.seek(timeAt(e.clientX));
      else this.mixer.setLoop({ start: timeAt(downX), end: timeAt(e.clientX) });
      downX = null;
    });
  }

  private bindTransport(): void {
    const t = this.transport;
    const options = { signal: this.listeners.signal };
    t.seek.max = String(this.mixer.duration);
    t.play.addEventListener('click', () => void this.mixer.toggle(), options);
    t.seek.addEventListener('input', () => this.mixer.seek(Number(t.seek.value)), options);
    t.loop.addEventListener('click', () => {
      const m = this.mixer;
      if (m.loop) m.setLoop(null);
      else {
        // Without a selection, loop the next 4 seconds from the playhead.
        const start = Math.min(m.currentTime(), Math.max(0, m.duration - 4));
        m.setLoop({ start, end: start + 4 });
      }
    }, options);
    t.view.addEventListener('click', () => this.setSpectrogramView(!this.showSpectrogram), options);
  }

  private drawLanes(): void {
    for (const lane of this.lanes) {
      if (this.showSpectrogram && lane.image) drawSpectrogram(lane.spec, lane.image);
      else drawWaveform(lane.wave, lane.peaks, lane.color, this.waveScale);
    }
  }

  private renderLaneStates(): void {
    const audible = this.mixer.audibleGains();
    this.mixer.lanes.forEach((state, i) => {
      const lane = this.lanes[i];
      lane.mute.setAttribute('aria-pressed', String(state.muted));
      lane.solo.setAttribute('aria-pressed', String(state.soloed));
      lane.volume.value = String(state.volume);
      lane.root.classList.toggle('silent', audible[i] === 0);
    });
  }

  private renderTransport(): void {
    const m = this.mixer;
    const t = this.transport;
    t.play.textContent = m.playing ? '❚❚' : '▶';
    t.play.setAttribute('aria-label', m.playing ? 'Pause (space)' : 'Play (space)');
    t.loop.setAttribute('aria-pressed', String(m.loop !== null));
    t.loop.textContent = m.loop ? `Loop ${formatTime(m.loop.start)}–${formatTime(m.loop.end)}` : 'Loop';
    for (const lane of this.lanes) {
      const region = lane.surface.querySelector<HTMLElement>('.loop-region');
      if (!region) continue;
      region.hidden = !m.loop;
      if (m.loop) {
        region.style.left = `${(m.loop.start / m.duration) * 100}%`;
        region.style.width = `${((m.loop.end - m.loop.start) / m.duration) * 100}%`;
      }
    }
    this.renderPlayhead();
  }

  private renderPlayhead(): void {
    const m = this.mixer;
    const now = m.currentTime();
    const fraction = m.duration ? now / m.duration : 0;
    for (const lane of this.lanes) {
      const head = lane.surface.querySelector<HTMLElement>('.playhead');
      if (head) head.style.left = `${fraction * 100}%`;
    }
    this.transport.time.textContent = `${formatTime(now)} / ${formatTime(m.duration)}`;
    if (document.activeElement !== this.transport.seek) this.transport.seek.value = String(now);
    const level = m.meter();
    const bars = this.transport.meter.querySelectorAll<HTMLElement>('span');
    level.peakDb.forEach((db, c) => {
      const clamped = Math.max(METER_FLOOR_DB, Math.min(0, db));
      const bar = bars[c];
      if (bar) bar.style.width = `${(1 - clamped / METER_FLOOR_DB) * 100}%`;
    });
    const loudest = Math.max(METER_FLOOR_DB, ...level.peakDb.map((d) => Math.min(0, d)));
    this.transport.meter.setAttribute('aria-valuenow', loudest.toFixed(0));
  }
}
