// The demix web page: pick a song, separate it in a worker, then mix, audition and export the stems.
import type { Audio } from '../../src/audio/audio.js';
import { decodeInput, inputLimits, InputError, WORK_RATE } from './decode.js';
import { download, mixWav, songName, stemsZip, stemWav, type BitDepth } from './export.js';
import { Mixer } from './mixer.js';
import { formatTime, MixerView } from './mixer-view.js';
import type { RunInfo, SeparationSettings } from './protocol.js';
import { CancelledError, SeparationClient, type SeparationResult } from './separation.js';

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
interface Shown {
  song: string;
  mix: Audio; // 44.1 kHz stereo input
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

function setBusy(busy: boolean): void {
  ui.separate.disabled = busy || !chosen;
  ui.file.disabled = busy;
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

function showResult(song: string, result: SeparationResult, ctx: AudioContext): void {
  disposeShown();
  // Web Audio needs its own copy; drop each worker array once copied so a long song is not held twice.
  const stems = result.stems.map((s) => {
    const buffer = new AudioBuffer({ numberOfChannels: s.channels.length, length: s.channels[0].length, sampleRate: WORK_RATE });
    s.channels.forEach((ch, c) => buffer.copyToChannel(ch as Float32Array<ArrayBuffer>, c));
    s.channels = [];
    return { name: s.name, buffer };
  });
  const mixer = new Mixer(ctx, stems);
  const bits = () => Number(ui.bitDepth.value) as BitDepth;
  const view = new MixerView(mixer, ui.lanes, ui.transport, result.spectrograms, (i) => {
    download(stemWav(stems[i].buffer, bits()), `${song} - ${stems[i].name}.wav`, 'audio/wav');
  });
  shown = { song, mix: result.mix, mixer, view, seconds: result.seconds, info: result.info };
  ui.runInfo.textContent = describeRun(result.info, result.seconds);
  ui.result.hidden = false;
}

async function separate(): Promise<void> {
  const file = chosen;
  if (!file || status === 'busy') return;
  cancelRequested = false;
  // Created on this click: browsers only let a user gesture start audio.
  audioContext ??= new AudioContext({ sampleRate: WORK_RATE, latencyHint: 'playback' });
  shown?.mixer.pause();
  showMessage('');
  status = 'busy';
  setBusy(true);
  showProgress(0, 'decoding', null);
  try {
    const audio = await decodeInput(file, limits);
    if (cancelRequested) throw new CancelledError();
    const result = await client.separate(audio, settings());
    showResult(songName(file.name), result, audioContext);
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

client.on('progress', showProgress);
client.on('info', (info) => {
  ui.progressText.title = describeRun(info, 0);
});
ui.file.addEventListener('change', () => chooseFile(ui.file.files?.[0]));
ui.separate.addEventListener('click', () => void separate());
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
  if (shown) download(stemsZip(shown.song, shown.mixer.stems, Number(ui.bitDepth.value) as BitDepth), `${shown.song} - stems.zip`, 'application/zip');
});
ui.exportMix.addEventListener('click', async () => {
  if (shown) download(await mixWav(shown.mixer, Number(ui.bitDepth.value) as BitDepth), `${shown.song} - mix.wav`, 'audio/wav');
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
    stemNames: () => shown?.mixer.stems.map((s) => s.name) ?? [],
    stemRms: () => shown?.mixer.stems.map((s) => rms(channelsOf(s.buffer))) ?? [],
    mixRms: () => (shown ? rms(shown.mix.channels) : 0),
    /** Largest |sum of stems - mix| over all samples. */
    sumError: () => {
      if (!shown) return NaN;
      let worst = 0;
      shown.mix.channels.forEach((mixCh, c) => {
        const stems = shown!.mixer.stems.map((s) => s.buffer.getChannelData(c));
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
