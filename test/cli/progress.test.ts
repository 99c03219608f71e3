import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Progress, progressMode } from '../../src/cli/progress.js';
import { formatHelp, parseOptions } from '../../src/cli/args.js';
import type { OptionSpec } from '../../src/cli/args.js';

function sink(isTTY: boolean) {
  const chunks: string[] = [];
  return { isTTY, columns: 60, write: (s: string) => chunks.push(s), text: () => chunks.join('') };
}

test('progress mode: quiet with -q, a bar on a terminal, lines when piped', () => {
  assert.equal(progressMode(sink(true), true), 'quiet');
  assert.equal(progressMode(sink(true), false), 'bar');
  assert.equal(progressMode(sink(false), false), 'lines');
});

test('lines mode prints stage changes and quarter steps only', () => {
  const out = sink(false);
  const p = new Progress(out, 'lines');
  for (let i = 0; i <= 100; i++) p.update('song', i < 10 ? 'decode' : 'separate', i / 100);
  const lines = out.text().trim().split('\n');
  assert.deepEqual(lines, ['song: decode 0%', 'song: separate 10%', 'song: separate 25%', 'song: separate 50%', 'song: separate 75%', 'song: separate 100%']);
});

test('bar mode redraws one line no wider than the terminal and clears it for log lines', () => {
  const out = sink(true);
  const p = new Progress(out, 'bar');
  p.update('a very long track name indeed', 'separate', 0.5);
  assert.ok(!out.text().includes('\n'));
  const drawn = out.text().split('\r\x1b[K').pop()!;
  assert.ok(drawn.length < 60 && drawn.includes('50%'), drawn);
  p.log('done');
  assert.match(out.text(), /\r\x1b\[Kdone\n/);
  p.close();
});

test('quiet mode prints nothing', () => {
  const out = sink(true);
  const p = new Progress(out, 'quiet');
  p.update('song', 'separate', 0.5);
  p.end('song');
  p.close();
  assert.equal(out.text(), '');
});

test('options parse into values with defaults; unknown options are usage errors; help lists them', () => {
  const specs: OptionSpec[] = [
    { name: 'output', short: 'o', type: 'string', value: 'DIR', description: 'where', default: 'stems' },
    { name: 'json', type: 'boolean', description: 'machine-readable' },
  ];
  const { values, positionals } = parseOptions(['a.wav', '--json', 'b.wav'], specs);
  assert.deepEqual(positionals, ['a.wav', 'b.wav']);
  assert.equal(values.output, 'stems');
  assert.equal(values.json, true);
  assert.equal(parseOptions(['-o', 'x'], specs).values.output, 'x');
  assert.throws(() => parseOptions(['--nope'], specs), { name: 'DemixError', code: 'USAGE' });
  const help = formatHelp('demix x', 'Does x.', specs);
  assert.match(help, /-o, --output <DIR> +where \(default: stems\)/);
  assert.match(help, /--json +machine-readable/);
});
