#!/usr/bin/env node
// The `demix` command: runs the compiled CLI (npm install builds it into dist/).
import { main } from '../dist/src/cli/main.js';

process.exitCode = await main(process.argv.slice(2));
