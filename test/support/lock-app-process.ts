// One server process for the multi-process lock tests: createApp on the configuration given as
// argument, served on a free port that is sent to the parent (child_process.fork) over IPC.
import { createApp } from '../../src/core/app.js';
import { serveHttp, serverPort } from '../../src/core/node-http-adapter.js';

const app = await createApp(process.argv[2], { log: { warn() {}, error: console.error } });
const server = await serveHttp(app, { host: '127.0.0.1', port: 0 });
process.send!({ port: serverPort(server) });
process.on('disconnect', () => process.exit(0));
