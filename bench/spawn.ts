/**
 * Runs a Node script in a child process and hands back its output — used for the memory case's
 * writers, the fallback side of the suite (`SEGLOG_NATIVE=0`) and the stand-alone bench scripts;
 * and starts `seglog serve` for the scripts that measure through the wire.
 * A child that outlives `timeoutMs` is killed (by its own pid) and reported.
 */
import { spawn, type ChildProcess } from 'node:child_process';

export interface ChildOutcome {
  code: number | null;
  stdout: string;
  stderr: string;
  timedOut: boolean;
}

export interface ChildOptions {
  nodeArgs?: string[];
  env?: NodeJS.ProcessEnv;
  timeoutMs: number;
  /** Copy the child's stderr to ours as it arrives (progress lines). */
  inheritStderr?: boolean;
}

export function runNode(script: string, args: readonly string[], options: ChildOptions): Promise<ChildOutcome> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [...(options.nodeArgs ?? []), script, ...args], {
      env: options.env ?? process.env,
      stdio: ['ignore', 'pipe', options.inheritStderr === true ? 'inherit' : 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout?.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr?.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill('SIGKILL');
    }, options.timeoutMs);
    child.on('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr, timedOut });
    });
  });
}

/** The last line of `text` that parses as a JSON object, or the last whole pretty-printed object. */
export function lastJsonObject(text: string): Record<string, unknown> | null {
  const lines = text.trim().split('\n');
  for (let i = lines.length - 1; i >= 0; i--) {
    const line = lines[i]!.trim();
    if (!line.startsWith('{')) continue;
    // A one-line object, or the start of a multi-line one running to the end of the output.
    for (const candidate of [line, lines.slice(i).join('\n')]) {
      try {
        const parsed: unknown = JSON.parse(candidate);
        if (parsed !== null && typeof parsed === 'object' && !Array.isArray(parsed)) return parsed as Record<string, unknown>;
      } catch {
        // not this one
      }
    }
  }
  return null;
}

/** A `seglog serve` child process on an ephemeral port of 127.0.0.1, once it listens (its log lines go to `stderr`). */
export async function startSeglogServe(dataDir: string, stderr: 'inherit' | 'ignore'): Promise<{ child: ChildProcess; port: number;
    stop(): Promise<void> }> {
  const main = new URL('../lib/cli/main.js', import.meta.url).pathname;
  const child = spawn(process.execPath, [main, 'serve', '--data', dataDir, '--port', '0', '--initial-rebalance-delay-ms', '0'],
    { stdio: ['ignore', 'pipe', stderr] });
  const port = await new Promise<number>((resolve, reject) => {
    let out = '';
    child.stdout.on('data', (d) => {
      out += d;
      const match = /listening [^:\s]+:(\d+)/.exec(out);
      if (match !== null) resolve(Number(match[1]));
    });
    child.once('exit', (code) => reject(new Error(`seglog serve exited with ${code}`)));
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  return { child, port, async stop() { child.kill('SIGTERM'); await exited; } };
}
