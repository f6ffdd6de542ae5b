import { describe, expect, it } from 'vitest';
import { CHECK_NAMES, SHORT, runChecks, type CheckName, type CheckRunners } from '../src/checks.ts';
import type { ChaosStack } from '../src/harness.ts';

/** Runners that record what ran, in order, with which stack; `failing` throw instead of answering. */
function recordingRunners(failing: CheckName[] = []) {
  const events: string[] = [];
  const stack = {
    close: async () => {
      events.push('stack closed');
    },
  } as unknown as ChaosStack;
  const check =
    (name: CheckName) =>
    async (options: object): Promise<{ figures: never[]; details: never }> => {
      events.push('stack' in options && options.stack === stack ? `${name} on the shared stack` : name);
      if (failing.includes(name)) throw new Error(`${name} broke`);
      return {
        figures: [{ check: name, load: '-', figure: 'ok', target: 'ok', pass: true }] as never[],
        details: { ran: name } as never,
      };
    };
  const runners: CheckRunners = {
    startStack: async ({ replicas }) => {
      events.push(`stack of ${replicas} started`);
      return stack;
    },
    rollout: check('rollout'),
    kill: check('kill'),
    databaseOutage: check('databaseOutage'),
    overload: check('overload'),
    settleCrash: check('settleCrash'),
    money: check('money'),
  };
  return { events, runners };
}

/** The checks' progress lines, unread. */
const quiet = (message: string) => void message;

describe('runChecks', () => {
  it('runs the rollout, the SIGKILLs and the database outage on one stack, closes it, then the checks with stacks of their own', async () => {
    const { events, runners } = recordingRunners();
    const run = await runChecks(SHORT, quiet, CHECK_NAMES, runners);
    expect(events).toEqual([
      `stack of ${SHORT.rollout.replicas} started`,
      'rollout on the shared stack',
      'kill on the shared stack',
      'databaseOutage on the shared stack',
      'stack closed',
      'overload',
      'settleCrash',
      'money',
    ]);
    expect(run.figures.map((figure) => figure.check)).toEqual(CHECK_NAMES);
    expect(run.figures.every((figure) => figure.pass)).toBe(true);
    expect(Object.keys(run.details)).toEqual(CHECK_NAMES);
  });

  it('turns a check that throws into a failing row with its reason, and still runs the next and closes the stack', async () => {
    const { events, runners } = recordingRunners(['kill', 'overload']);
    const run = await runChecks(SHORT, quiet, CHECK_NAMES, runners);
    expect(events).toContain('stack closed');
    expect(events.at(-1)).toBe('money');
    const failed = run.figures.filter((figure) => !figure.pass);
    expect(failed).toEqual([
      { check: 'kill', load: '-', figure: 'did not finish: kill broke', target: 'a figure', pass: false },
      { check: 'overload', load: '-', figure: 'did not finish: overload broke', target: 'a figure', pass: false },
    ]);
    expect(run.details.kill).toBeUndefined();
    expect(run.details.databaseOutage).toEqual({ ran: 'databaseOutage' });
  });

  it('closes the shared stack even when something beside the checks throws (here the log)', async () => {
    const { events, runners } = recordingRunners();
    const logged: string[] = [];
    const log = (message: string) => {
      logged.push(message);
      if (message === 'rollout: done in 0 s') throw new Error('the log broke');
    };
    await expect(runChecks(SHORT, log, ['rollout', 'kill'], runners)).rejects.toThrow('the log broke');
    expect(events).toEqual([`stack of ${SHORT.rollout.replicas} started`, 'rollout on the shared stack', 'stack closed']);
  });

  it('starts no shared stack when only checks with stacks of their own are asked for, and runs only those', async () => {
    const { events, runners } = recordingRunners();
    const logged: string[] = [];
    const run = await runChecks(SHORT, (message) => logged.push(message), ['money', 'overload'], runners);
    expect(events).toEqual(['overload', 'money']);
    expect(run.figures.map((figure) => figure.check)).toEqual(['overload', 'money']);
    expect(logged.filter((line) => line.endsWith(': running'))).toEqual(['overload: running', 'money: running']);
    expect(logged.filter((line) => / done in \d+ s$/.test(line))).toHaveLength(2);
  });
});
