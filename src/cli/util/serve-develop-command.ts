import type { Command } from 'commander';
import { runDaemon } from '../serve.js';

/** MapProxy's --bind: `host:port`, `:port`, `port`, or a host alone (port 8080). */
export function developBind(address: string): string {
  if (address.includes(':') || /^\d+$/.test(address) || address.startsWith('/')) return address;
  return `${address}:8080`;
}

const DEBUG_WARNING = [
  '################# WARNING! ##################',
  'Running debug mode with non-localhost address',
  'is a serious security vulnerability.',
  '#############################################',
].join('\n');

function warnDebug(bind: string, debug?: boolean): void {
  const host = bind.includes(':') ? bind.slice(0, bind.lastIndexOf(':')) : /^\d+$/.test(bind) ? 'localhost' : bind;
  if (debug && host !== 'localhost' && host !== '127.0.0.1' && host !== '') process.stdout.write(`${DEBUG_WARNING}\n`);
}

/**
 * `serve-develop` and `serve-multiapp-develop`: our daemon in one process, rebuilt when the configuration changes
 * (MapProxy's reloader), with an access log on the terminal; --debug adds upstream requests (log level debug).
 */
export function serveDevelopCommands(program: Command): void {
  const develop = program
    .command('serve-develop')
    .description('Run MapProxy development server.')
    .usage('[options] mapproxy.yaml')
    .argument('[mapproxy.yaml]')
    .option('-b, --bind <ADDRESS>', 'Server socket [127.0.0.1:8080]. Use 0.0.0.0 for external access. :1234 to change port.', '127.0.0.1:8080')
    .option('--debug', 'Enable debug mode');
  develop.action(async (conf: string | undefined, opts: { bind: string; debug?: boolean }) => {
    if (!conf) {
      develop.outputHelp();
      process.stdout.write('\nERROR: MapProxy configuration required.\n');
      process.exitCode = 1;
      return;
    }
    warnDebug(opts.bind, opts.debug);
    await runDaemon('app', conf, {
      bind: [developBind(opts.bind)], single: true, reload: true, accessLog: true, logLevel: opts.debug ? 'debug' : undefined,
    });
  });

  const multi = program
    .command('serve-multiapp-develop')
    .description('Run MultiMapProxy development server.')
    .usage('[options] projects/')
    .argument('[projects]')
    .option('-b, --bind <ADDRESS>', 'Server socket [127.0.0.1:8080]', '127.0.0.1:8080')
    .option('--debug', 'Enable debug mode');
  multi.action(async (dir: string | undefined, opts: { bind: string; debug?: boolean }) => {
    if (!dir) {
      multi.outputHelp();
      process.stdout.write('\nERROR: MapProxy projects directory required.\n');
      process.exitCode = 1;
      return;
    }
    warnDebug(opts.bind, opts.debug);
    // MultiMapProxy's development server lists the projects at / and picks up new and changed files on each request
    await runDaemon('multiapp', dir, {
      bind: [developBind(opts.bind)], single: true, allowListing: true, accessLog: true, logLevel: opts.debug ? 'debug' : undefined,
    });
  });
}
