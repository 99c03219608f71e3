// The list of `demix` sub-commands; each command module adds itself here with one line.
import { separateCommand } from './separate.js';
import { remixCommand } from './remix.js';
import { mashupCommand } from './mashup.js';
import { karaokeCommand } from './karaoke.js';
import { uiCommand } from './ui.js';
import { trainCommand } from './train.js';
import { evalCommand } from './eval.js';
import { benchmarkCommand } from './benchmark.js';

export interface Command {
  name: string;
  summary: string; // one line, shown by `demix --help`
  help: string; // full text, shown by `demix <name> --help`
  run(argv: string[]): Promise<number>; // argv after the command name; resolves to the exit code
}

export const commands: readonly Command[] = [separateCommand, remixCommand, mashupCommand, karaokeCommand, uiCommand, trainCommand, evalCommand, benchmarkCommand];
