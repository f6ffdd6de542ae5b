/**
 * `vi.waitFor` options for an info line a service process writes: its lines reach stdout in
 * batches, at most a quarter of a second late (@myshop/logging), later on a busy machine.
 */
export const WAIT_FOR_LOG_LINES = { timeout: 5_000, interval: 50 };
