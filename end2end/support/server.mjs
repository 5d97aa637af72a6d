// Starts the real `space-factory` server binary on a free loopback port for a browser test.
import { spawn } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');

/** Where the server binary and the built site are; scripts/test.sh sets both. */
export function buildPaths() {
  const targetDir = process.env.CARGO_TARGET_DIR || path.join(root, 'target');
  return {
    bin: process.env.SPACE_FACTORY_SERVER_BIN || path.join(targetDir, 'debug', 'space-factory'),
    siteRoot: process.env.LEPTOS_SITE_ROOT || path.join(root, 'target', 'site'),
  };
}

/** The environment minus `HF_ENDPOINT`, so the server starts its embedded local hub. */
function withoutHubEndpoint(env) {
  const { HF_ENDPOINT: _ignored, ...rest } = env;
  return rest;
}

/**
 * Spawns the server with `--addr 127.0.0.1:0` (and `env` on top of this process's) and
 * resolves once it prints its URL.
 * Returns `{ url, hubUrl, stop, log }`: `hubUrl` is the embedded local hub's address when no
 * `HF_ENDPOINT` is set; `stop()` ends the process and waits for it; `log()` is everything it
 * printed so far.
 */
export async function startServer({ timeoutMs = 30_000, env = {} } = {}) {
  const { bin, siteRoot } = buildPaths();
  const child = spawn(bin, ['--addr', '127.0.0.1:0', '--site-root', siteRoot], {
    cwd: root,
    env: { ...withoutHubEndpoint(process.env), RUST_LOG: process.env.RUST_LOG || 'warn', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  const url = await new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`server did not start in ${timeoutMs} ms:\n${output}`)), timeoutMs);
    const onData = (chunk) => {
      output += chunk;
      const match = output.match(/running at (http:\/\/\S+?)\/?\s/);
      if (match) {
        clearTimeout(timer);
        resolve(match[1]);
      }
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    child.on('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`server exited with ${code} before starting:\n${output}`));
    });
    child.on('error', reject);
  });
  const stop = () =>
    new Promise((resolve) => {
      if (child.exitCode !== null) return resolve();
      child.once('exit', resolve);
      child.kill('SIGTERM');
    });
  const hub = output.match(/Embedded local hub at (http:\/\/\S+)/);
  return { url, hubUrl: hub ? hub[1] : null, stop, log: () => output };
}
