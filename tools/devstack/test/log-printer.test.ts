import { describe, expect, it } from 'vitest';
import { createLogPrinter } from '../src/log-printer.ts';

const line = JSON.stringify({ level: 30, time: Date.UTC(2026, 0, 1), pid: 7, hostname: 'h', service: 'cart', msg: 'listening' });

function printed(pretty: boolean, replica: string, text: string): string {
  let output = '';
  createLogPrinter(pretty, (chunk) => void (output += chunk))(replica, text);
  return output;
}

describe('createLogPrinter', () => {
  it('adds the replica to a JSON line, keeping it one JSON object (not a terminal)', () => {
    expect(JSON.parse(printed(false, 'cart-1', line))).toMatchObject({ msg: 'listening', service: 'cart', replica: 'cart-1' });
  });

  it('pretty-prints a JSON line behind the replica name on a terminal, without pid, host or service', () => {
    const output = printed(true, 'cart-1', line);
    expect(output).toMatch(/^\[cart-1 {3}\] .*listening/);
    expect(output).not.toContain('hostname');
    expect(output).not.toContain('"service"');
  });

  it('prints a request line on one terminal line, its objects inline behind the replica name', () => {
    const request = JSON.stringify({
      level: 30,
      time: Date.UTC(2026, 0, 1),
      service: 'payment',
      req: { method: 'GET', url: '/payment/refunds', id: 'r1' },
      res: { statusCode: 200 },
      responseTime: 2.1,
      msg: 'request completed',
    });
    const output = printed(true, 'payment-1', request);
    expect(output.trimEnd().split('\n')).toHaveLength(1);
    expect(output).toMatch(/^\[payment-1\] .*request completed.*"url":"\/payment\/refunds".*"statusCode":200/);
  });

  it('passes a line that is not JSON through behind the replica name, either way', () => {
    expect(printed(false, 'user-2', 'Debugger attached.')).toBe('[user-2] Debugger attached.\n');
    expect(printed(true, 'user-2', 'Debugger attached.')).toBe('[user-2] Debugger attached.\n');
  });
});
