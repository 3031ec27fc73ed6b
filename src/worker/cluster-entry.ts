// The program of a cluster worker: the master forks this file rather than the command line, so a worker loads
// the core and its adapters and none of the other commands (seeding, exports, their libraries).
import type { DaemonSettings } from '../cli/daemon-settings.js';
import { readWorkerEnv } from '../master/messages.js';
import { runWorker } from './worker.js';

const { settings, slot } = readWorkerEnv<DaemonSettings>();
await runWorker(settings, slot);
