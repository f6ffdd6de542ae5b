import { prettyFactory } from 'pino-pretty';

export type LinePrinter = (replica: string, line: string) => void;

/**
 * Terminal: each JSON log line pretty-printed behind its replica's name, on one terminal line (a
 * request line's objects spread over a dozen lines, cart's refund poll alone filled most of the
 * screen); an error's stack keeps its own lines. Anything else (CI, a pipe into a log shipper):
 * the JSON line as the service wrote it, with the replica added.
 */
export function createLogPrinter(pretty: boolean, write: (text: string) => void = (text) => process.stdout.write(text)): LinePrinter {
  const format = prettyFactory({ colorize: true, singleLine: true, translateTime: 'HH:MM:ss.l', ignore: 'pid,hostname,service' });
  return (replica, line) => {
    if (!line.startsWith('{')) return write(`[${replica}] ${line}\n`);
    if (pretty) return write(`[${replica.padEnd(9)}] ${format(line)}`);
    return write(`${line.slice(0, -1)},"replica":${JSON.stringify(replica)}}\n`);
  };
}
