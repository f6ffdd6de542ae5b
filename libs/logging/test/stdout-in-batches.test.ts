import { spawn } from 'node:child_process';
import { mkdtempSync, openSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { describe, expect, it, onTestFinished } from 'vitest';
import { createLogger } from '../src/create-logger.ts';
import { stdoutInBatches } from '../src/stdout-in-batches.ts';

/** A service's logger writing in batches to a file instead of stdout, and what the file holds so far. */
function batchedLogger() {
  const file = join(mkdtempSync(join(tmpdir(), 'batched-')), 'out.ndjson');
  const fd = openSync(file, 'a');
  const listening = new Set(process.listeners('exit'));
  const { stream, hooks } = stdoutInBatches(fd);
  const [onExit] = process.listeners('exit').filter((listener) => !listening.has(listener));
  onTestFinished(() => {
    if (onExit) process.off('exit', onExit);
    stream.flushSync();
    stream.end();
  });
  const logger = createLogger({ service: 'probe', level: 'info', destination: stream, options: { hooks } });
  const written = () => messages(readFileSync(file, 'utf8'));
  return { logger, written, onExit: () => onExit?.call(process, 0) };
}

/** Each line's message, with the index of a request line. */
function messages(text: string): string[] {
  return text
    .split('\n')
    .filter(Boolean)
    .map((line) => {
      const { msg, index } = JSON.parse(line) as { msg: string; index?: number };
      return index === undefined ? msg : `${msg} ${index}`;
    });
}

function logRequests(logger: ReturnType<typeof createLogger>, count: number): void {
  // About 300 bytes each, like a request line.
  for (let index = 0; index < count; index++) logger.info({ index, padding: 'x'.repeat(200) }, 'request completed');
}

const firstThree = ['request completed 0', 'request completed 1', 'request completed 2'];

describe('stdout in batches', () => {
  it('holds info lines instead of writing each one, and writes them as the process exits', () => {
    const { logger, written, onExit } = batchedLogger();
    logRequests(logger, 3);
    expect(written()).toEqual([]);
    onExit();
    expect(written()).toEqual(firstThree);
  });

  it('writes a full batch as soon as it is full, in order', () => {
    const { logger, written } = batchedLogger();
    logRequests(logger, 40);
    // Every full 4 KB batch (14 lines at most) went out; the last, partial one did not.
    expect(written().length).toBeGreaterThanOrEqual(40 - 14);
    expect(written().length).toBeLessThan(40);
    expect(written()).toEqual(written().map((_, index) => `request completed ${index}`));
  });

  it('writes a warning at once, with the lines held before it', () => {
    const { logger, written } = batchedLogger();
    logRequests(logger, 3);
    logger.child({ reqId: 'r1' }).warn('something is off');
    expect(written()).toEqual([...firstThree, 'something is off']);
  });

  it('writes what it holds on a quiet process, without waiting for a full batch', async () => {
    const { logger, written } = batchedLogger();
    logRequests(logger, 3);
    await sleep(1000);
    expect(written()).toEqual(firstThree);
  });
});

describe('a service logger on stdout', () => {
  const fixture = resolve(import.meta.dirname, 'fixtures/batched-logger.ts');

  /** The messages the fixture's stdout received before it ended. */
  async function linesWritten(ending: string): Promise<string[]> {
    // The workspace's libraries from their sources, as the tests import them: their dist/ may not
    // be built yet.
    const child = spawn(process.execPath, ['--conditions=@myshop/source', fixture, ending], { stdio: ['ignore', 'pipe', 'ignore'] });
    let stdout = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
    await new Promise((done) => child.once('close', done));
    return messages(stdout);
  }

  it('holds its info lines: killed outright, it has written none', async () => {
    expect(await linesWritten('kill')).toEqual([]);
  });

  it('writes what it holds when the process exits', async () => {
    expect(await linesWritten('exit')).toEqual(firstThree);
  });

  it('writes what it holds when the process dies of an uncaught error', async () => {
    expect(await linesWritten('crash')).toEqual(firstThree);
  });
});
