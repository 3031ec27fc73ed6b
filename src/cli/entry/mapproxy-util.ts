#!/usr/bin/env node
// The `mapproxy-util` command (bin/mapproxy-util runs the compiled form of this file).
import { runMapproxyUtil } from '../mapproxy-util.js';

await runMapproxyUtil(process.argv.slice(2));
