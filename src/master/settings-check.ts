// The program of the master's configuration check (see settings-process.ts): resolves the daemon's settings once
// and answers with them, or with the error's message, then ends.
import { resolveSettings } from '../cli/daemon-settings.js';
import type { SettingsAnswer, SettingsRequest } from './settings-process.js';

process.once('message', (msg) => {
  const { mode, target, cli } = msg as SettingsRequest;
  let answer: SettingsAnswer;
  try {
    answer = { settings: resolveSettings(mode, target, cli) };
  } catch (err) {
    answer = { error: err instanceof Error ? err.message : String(err) };
  }
  process.send!(answer, () => process.disconnect());
});
