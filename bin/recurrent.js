#!/usr/bin/env node
// Entry point of the `recurrent` command (package.json "bin"); the CLI lives in dist/cli/.
import { main } from '../dist/cli/main.js';

process.exitCode = main(process.argv.slice(2));
