import type { DestinationStream } from 'pino';

/**
 * In a terminal, people read logs: pretty-print them. Anywhere else (containers, CI, `npm start`
 * which prettifies itself) stdout stays one JSON object per line.
 */
export async function prettyStreamIfTerminal(nodeEnv: string): Promise<DestinationStream | undefined> {
  if (!process.stdout.isTTY || nodeEnv === 'production') return undefined;
  const { default: pretty } = await import('pino-pretty');
  return pretty({ colorize: true, translateTime: 'HH:MM:ss.l', ignore: 'pid,hostname' });
}
