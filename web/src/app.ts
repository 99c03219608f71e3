// The demix web page: pick a song, separate it in a worker, then mix, audition and export the stems.
import type { Audio } from '../../src/audio/audio.js';
import { decodeInput, inputLimits, InputError, WORK_RATE } from './decode.js';
import { download, mixWav, songName, stemsZip, stemWav, type BitDepth } from './export.js';
import { Mixer } from './mixer.js';
import { formatTime, MixerView } from './mixer-view.js';
import type { RunInfo, SeparationSettings, SpectrogramImage, StemData } from './protocol.js';
import { CancelledError, SeparationClient } from './separation.js';

const $ = <T extends HTMLElement>(id: string): T => {
  const el = document.getElementById(id);
  if (!el) throw new Error(`missing #${id}`);
  return el as T;
};

const ui = {
  drop: $<HTMLLabelElement>('drop'),
  file: $<HTMLInputElement>('file'),
  fileName: $<HTMLElement>('file-name'),
  separate: $<HTMLButtonElement>('separate'),
  progress: $<HTMLElement>('progress'),
  progressBar: $<HTMLProgressElement>('progress-bar'),
  progressText: $<HTMLElement>('progress-text'),
  cancel: $<HTMLButtonElement>('cancel'),
  message: $<HTMLElement>('message'),
  result: $<HTMLElement>('result'),
  lanes: $<HTMLElement>('lanes'),
  bitDepth: $<HTMLSelectElement>('bitdepth'),
  exportZip: $<HTMLButtonElement>('export-zip'),
  exportMix: $<HTMLButtonElement>('export-mix'),
  runInfo: $<HTMLElement>('run-info'),
  mashupTake: $<HTMLSelectElement>('mashup-take'),
  mashupFile: $<HTMLInputElement>('mashup-file'),
  mashupInfo: $<HTMLElement>('mashup-info'),
  transport: {
    play: $<HTMLButtonElement>('play'),
    time: $<HTMLElement>('time'),
    seek: $<HTMLInputElement>('seek'),
    loop: $<HTMLButtonElement>('loop'),
    view: $<HTMLButtonElement>('view'),
    meter: $<HTMLElement>('meter'),
  },
};

const query = new URLSearchParams(location.search);
const limits = inputLimits(query, (navigator as { deviceMemory?: number }).deviceMemory);
const client = new SeparationClient(new URL('./worker.js', import.meta.url));

type Status = 'idle' | 'busy' | 'result' | 'error';
/** A lane of the mixer: a separated stem, or one laid over from another song. */
interface Lane {
  name: string;
  buffer: AudioBuffer;
}

interface Shown {
  song: string;
  mix: Audio; // 44.1 kHz stereo input
  separated: number; // the first lanes are the song's stems; mashups append more
  lanes: Lane[];
  images: SpectrogramImage[];
  mixer: Mixer;
  view: MixerView;
  seconds: number;
  info: RunInfo;
}

let status: Status = 'idle';
let chosen: File | null = null;
let shown: Shown | null = null;
let audioContext: AudioContext | null = null;
let cancelRequested = false; // Cancel pressed while the file was still being decoded

function settings(): SeparationSettings {
  const stems = document.querySelector<HTMLInputElement>('input[name="stems"]:checked')?.value === '2' ? 2 : 4;
  const backend = (query.get('backend') ?? 'auto') as SeparationSettings['backend'];
  const cores = navigator.hardwareConcurrency || 1;
  const threads = crossOriginIsolated ? Number(query.get('threads')) || Math.min(cores, 4) : 1;
  return { stems, backend, threads, modelUrl: query.get('model') ?? 'models/demix-4s.onnx' };
}

function showMessage(text: string): void {
  ui.message.textContent = text;
  ui.message.hidden = text === '';
}

const bitDepth = () => Number(ui.bitDepth.value) as BitDepth;

function setBusy(busy: boolean): void {
  ui.separate.disabled = busy || !chosen;
  ui.file.disabled = busy;
  ui.mashupFile.disabled = busy;
  ui.drop.classList.toggle('disabled', busy);
  ui.progress.hidden = !busy;
  ui.cancel.disabled = false;
}

function chooseFile(file: File | undefined): void {
  if (!file || status === 'busy') return;
  chosen = file;
  ui.fileName.textContent = `${file.name} (${(file.size / 2 ** 20).toFixed(1)} MB)`;
  ui.separate.disabled = false;
  showMessage('');
}

function describeRun(info: RunInfo, seconds: number): string {
  if (info.backend === 'classic') return `Classic separator (no neural model served); separated in ${seconds.toFixed(1)} s.`;
  const engine = info.backend === 'wasm' ? `WebAssembly${info.simd ? ' SIMD' : ''}, ${info.threads} thread${info.threads > 1 ? 's' : ''}` : info.backend;
  return `Model ${info.model} (${engine}); separated in ${seconds.toFixed(1)} s.`;
}

function showProgress(fraction: number, stage: string, remaining: number | null): void {
  ui.progressBar.value = fraction;
  const left = remaining === null ? '' : ` · about ${formatTime(Math.ceil(remaining))} left`;
  ui.progressText.textContent = `${stage[0].toUpperCase()}${stage.slice(1)}: ${Math.round(fraction * 100)} %${left}`;
}

function disposeShown(): void {
  shown?.view.dispose();
  shown?.mixer.dispose();
  shown = null;
  ui.result.hidden = true;
}

/** An AudioBuffer holding `stem`; the worker's arrays are dropped once copied, so a long song is not held twice. */
function toBuffer(stem: StemData): Lane {
  const buffer = new AudioBuffer({ numberOfChannels: stem.channels.length, length: stem.channels[0].length, sampleRate: WORK_RATE });
  stem.channels.forEach((ch, c) => buffer.copyToChannel(ch as Float32Array<ArrayBuffer>, c));
  stem.channels = [];
  return { name: stem.name, buffer };
}

/** (Re)builds the mixer and its view over `lanes`, keeping the lane settings and playhead of the previous one. */
function showLanes(base: Omit<Shown, 'mixer' | 'view' | 'lanes' | 'images'>, lanes: Lane[], images: SpectrogramImage[], ctx: AudioContext): void {
  const previous = shown?.mixer;
  const states = previous?.lanes.map((l) => ({ ...l })) ?? [];
  const at = previous?.currentTime() ?? 0;
  disposeShown();
  const mixer = new Mixer(ctx, lanes);
  states.forEach((l, i) => {
    mixer.setVolume(i, l.volume);
    mixer.setMuted(i, l.muted);
    mixer.setSoloed(i, l.soloed);
  });
  mixer.seek(at);
  const view = new MixerView(mixer, ui.lanes, ui.transport, images, (i) => {
    download(stemWav(lanes[i].buffer, bitDepth()), `${base.song} - ${lanes[i].name}.wav`, 'audio/wav');
  });
  shown = { ...base, mixer, view, lanes, images };
  ui.runInfo.textContent = describeRun(base.info, base.seconds);
  ui.result.hidden = false;
}

/** Runs a decode-and-work job with the progress panel, Cancel, and errors shown in the page. */
async function busyWith(file: File, task: (audio: Audio, ctx: AudioContext) => Promise<void>): Promise<void> {
  if (status === 'busy') return;
  cancelRequested = false;
  // Created on a click: browsers only let a user gesture start audio.
  audioContext ??= new AudioContext({ sampleRate: WORK_RATE, latencyHint: 'playback' });
  shown?.mixer.pause();
  showMessage('');
  status = 'busy';
  setBusy(true);
  showProgress(0, 'decoding', null);
  try {
    const audio = await decodeInput(file, limits);
    if (cancelRequested) throw new CancelledError();
    await task(audio, audioContext);
    status = 'result';
  } catch (err) {
    status = shown ? 'result' : 'error';
    if (err instanceof CancelledError) showMessage('Separation cancelled.');
    else if (err instanceof InputError) showMessage(err.message);
    else if (err instanceof RangeError) showMessage(`${file.name}: this browser tab ran out of memory for this song; try a shorter one.`);
    else showMessage(`Separation failed: ${(err as Error).message}`);
  } finally {
    setBusy(false);
  }
}

function separate(): Promise<void> {
  const file = chosen;
  if (!file) return Promise.resolve();
  return busyWith(file, async (audio, ctx) => {
    const result = await client.separate(audio, settings());
    disposeShown(); // before the copies into AudioBuffers: the previous song's buffers can go
    ui.mashupInfo.textContent = '';
    const base = { song: songName(file.name), mix: result.mix, separated: result.stems.length, seconds: result.seconds, info: result.info };
    showLanes(base, result.stems.map(toBuffer), result.spectrograms, ctx);
  });
}

/** Lays the chosen stem of `file` over the shown song (muting the shown song's own lane of that stem). */
function mashup(file: File): Promise<void> {
  const current = shown;
  if (!current) return Promise.resolve();
  const take = ui.mashupTake.value;
  return busyWith(file, async (audio, ctx) => {
    const all = current.mix.channels.map((c) => c.slice());
    const drums = current.lanes.find((l) => l.name === 'drums')?.buffer;
    const harmonic = all.map((ch, c) => (drums ? ch.map((v, i) => v - drums.getChannelData(c)[i]) : ch.slice()));
    const result = await client.mashup(audio, take, { all, harmonic }, settings());
    const lane = toBuffer({ ...result.stem, name: `${take} of ${songName(file.name)}` });
    showLanes(current, [...current.lanes, lane], [...current.images, { ...result.spectrogram, name: lane.name }], ctx);
    const own = current.lanes.findIndex((l) => l.name === take);
    if (own >= 0) shown?.mixer.setMuted(own, true);
    ui.mashupInfo.textContent = `${lane.name}: ${result.notes.join('; ')}.`;
  });
}

client.on('progress', showProgress);
client.on('info', (info) => {
  ui.progressText.title = describeRun(info, 0);
});
ui.file.addEventListener('change', () => chooseFile(ui.file.files?.[0]));
ui.separate.addEventListener('click', () => void separate());
ui.mashupFile.addEventListener('change', () => {
  const file = ui.mashupFile.files?.[0];
  ui.mashupFile.value = ''; // the same file can be chosen again
  if (file) void mashup(file);
});
ui.cancel.addEventListener('click', () => {
  ui.cancel.disabled = true;
  cancelRequested = true;
  client.cancel();
});
ui.drop.addEventListener('dragover', (e) => {
  e.preventDefault();
  ui.drop.classList.add('over');
});
ui.drop.addEventListener('dragleave', () => ui.drop.classList.remove('over'));
ui.drop.addEventListener('drop', (e) => {
  e.preventDefault();
  ui.drop.classList.remove('over');
  chooseFile(e.dataTransfer?.files[0]);
});
ui.exportZip.addEventListener('click', () => {
  if (shown) download(stemsZip(shown.song, shown.lanes, bitDepth()), `${shown.song} - stems.zip`, 'application/zip');
});
ui.exportMix.addEventListener('click', async () => {
  if (shown) download(await mixWav(shown.mixer, bitDepth()), `${shown.song} - mix.wav`, 'audio/wav');
});

/** Space: play/pause; 1–9: mute/unmute that lane. Ignored while typing in a field. */
document.addEventListener('keydown', (e) => {
  const target = e.target as HTMLElement | null;
  if (!shown || e.ctrlKey || e.metaKey || e.altKey) return;
  if (target && (target.isContentEditable || ['TEXTAREA', 'SELECT'].includes(target.tagName))) return;
  if (target instanceof HTMLInputElement && !['range', 'radio', 'checkbox', 'file'].includes(target.type)) return;
  const mixer = shown.mixer;
  if (e.key === ' ') {
    e.preventDefault();
    void mixer.toggle();
  } else if (/^[1-9]$/.test(e.key)) {
    const i = Number(e.key) - 1;
    if (i < mixer.lanes.length) mixer.setMuted(i, !mixer.lanes[i].muted);
  }
});

/** Read-only probes for the browser tests and the benchmark (numbers only, no big arrays cross over). */
const rms = (channels: Float32Array[]) => {
  let sum = 0;
  let n = 0;
  for (const ch of channels) for (const v of ch) (sum += v * v), n++;
  return Math.sqrt(sum / Math.max(1, n));
};
const channelsOf = (b: AudioBuffer) => Array.from({ length: b.numberOfChannels }, (_, c) => b.getChannelData(c));
Object.assign(window, {
  demixDebug: {
    status: () => status,
    message: () => (ui.message.hidden ? '' : ui.message.textContent),
    limits: () => limits,
    run: () => (shown ? { seconds: shown.seconds, info: shown.info } : null),
    stemNames: () => shown?.lanes.map((s) => s.name) ?? [],
    stemRms: () => shown?.lanes.map((s) => rms(channelsOf(s.buffer))) ?? [],
    mixRms: () => (shown ? rms(shown.mix.channels) : 0),
    /** Largest |sum of the separated stems - mix| over all samples. */
    sumError: () => {
      if (!shown) return NaN;
      let worst = 0;
      shown.mix.channels.forEach((mixCh, c) => {
        const stems = shown!.lanes.slice(0, shown!.separated).map((s) => s.buffer.getChannelData(c));
        for (let n = 0; n < mixCh.length; n++) {
          let sum = 0;
          for (const s of stems) sum += s[n];
          worst = Math.max(worst, Math.abs(sum - mixCh[n]));
        }
      });
      return worst;
    },
    audibleGains: () => shown?.mixer.audibleGains() ?? [],
    renderRms: async () => (shown ? rms(channelsOf(await shown.mixer.renderMix())) : 0),
    playing: () => shown?.mixer.playing ?? false,
    position: () => shown?.mixer.currentTime() ?? 0,
    loop: () => shown?.mixer.loop ?? null,
  },
});
