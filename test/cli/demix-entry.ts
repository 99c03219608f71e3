// Runs the `demix` CLI from source (for tests that need a real process: captured stdout/stderr, exit code).
import { main } from '../../src/cli/main.js';

process.exitCode = await main(process.argv.slice(2));
