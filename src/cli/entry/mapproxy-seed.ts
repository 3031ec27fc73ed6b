#!/usr/bin/env node
// The `mapproxy-seed` command (bin/mapproxy-seed runs the compiled form of this file).
import { mapproxySeedProgram } from '../mapproxy-seed.js';

await mapproxySeedProgram().parseAsync(process.argv);
