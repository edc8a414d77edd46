#!/usr/bin/env node
import { runOps } from './program';

// `npm run ops -- <command>`; see `npm run ops -- --help` and docs/runbook.md.
runOps(process.argv.slice(2), {
  io: { stdout: process.stdout, stderr: process.stderr },
  env: process.env,
}).then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    console.error(err);
    process.exitCode = 1;
  },
);
