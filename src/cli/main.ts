// The `demix` dispatcher: global --help/--version, then `demix <command> ...` to a module of commands.ts.
import { readFileSync } from 'node:fs';
import { commands } from './commands.js';
import { DemixError } from '../errors.js';

/** The package version, read from package.json next to dist/ or src/. */
export function version(): string {
  for (const rel of ['../../package.json', '../../../package.json']) {
    try {
      const pkg = JSON.parse(readFileSync(new URL(rel, import.meta.url), 'utf8')) as { name?: string; version?: string };
      if (pkg.name === 'demix' && pkg.version) return pkg.version;
    } catch {
      // try the next candidate
    }
  }
  return 'unknown';
}

export function mainHelp(): string {
  const width = Math.max(...commands.map((c) => c.name.length)) + 2;
  return [
    'Usage: demix <command> [options]',
    '',
    'Split songs into stems (vocals, drums, bass, other) on the CPU.',
    '',
    'Commands:',
    ...commands.map((c) => `  ${c.name.padEnd(width)}${c.summary}`),
    '',
    'Options:',
    '  -h, --help     show this help; `demix <command> --help` describes a command',
    '  -V, --version  print the version',
    '',
  ].join('\n');
}

/** Runs `demix` with `argv` (without node and script); resolves to the process exit code. */
export async function main(argv: string[]): Promise<number> {
  const [first, ...rest] = argv;
  if (first === undefined || first === '-h' || first === '--help' || first === 'help') {
    const target = first === 'help' ? commands.find((c) => c.name === rest[0]) : undefined;
    process.stdout.write(target ? target.help : mainHelp());
    return first === undefined ? 2 : 0;
  }
  if (first === '-V' || first === '--version') {
    process.stdout.write(`${version()}\n`);
    return 0;
  }
  const command = commands.find((c) => c.name === first);
  if (!command) {
    process.stderr.write(`demix: unknown command "${first}" (see demix --help)\n`);
    return 2;
  }
  if (rest.includes('-h') || rest.includes('--help')) {
    process.stdout.write(command.help);
    return 0;
  }
  try {
    return await command.run(rest);
  } catch (err) {
    if (err instanceof DemixError) {
      process.stderr.write(`demix ${command.name}: ${err.message}\n`);
      return err.code.toUpperCase() === 'USAGE' ? 2 : 1;
    }
    // A bug rather than bad input: still one line, with the stack on request.
    const detail = process.env.DEMIX_DEBUG ? (err as Error).stack : (err as Error).message;
    process.stderr.write(`demix ${command.name}: internal error: ${detail} (set DEMIX_DEBUG=1 for details)\n`);
    return 1;
  }
}
