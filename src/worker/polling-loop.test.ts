import assert from 'node:assert/strict';
import { test } from 'node:test';
import { PollingLoop, restAfterRound } from './polling-loop.ts';

test('a full round runs again at once; a short one rests until stop() wakes it', async () => {
  const batches = [5, 5, 2, 5];
  const rounds: number[] = [];
  const loop = new PollingLoop(
    async () => {
      const done = batches[rounds.length] ?? 0;
      rounds.push(done);
      return done;
    },
    // A rest of an hour: only stop() ends it, so no fourth round can come before stop().
    { pollMs: 3_600_000, batchSize: 5 },
  );
  loop.start();
  while (rounds.length < 3) await new Promise((r) => setImmediate(r));
  // The third round came back short (2 of 5): the loop rests, for an hour.
  for (let i = 0; i < 50; i += 1) await new Promise((r) => setImmediate(r));
  assert.deepEqual(rounds, [5, 5, 2], 'two full rounds in a row, then a rest');
  const stopped = loop.stop();
  // stop() wakes the rest; the loop sees it is stopping and ends without a fourth round.
  await stopped;
  assert.deepEqual(rounds, [5, 5, 2]);
});

test('stop() waits for the round under way to finish', async () => {
  let release: () => void = () => {};
  let finished = false;
  const loop = new PollingLoop(
    async () => {
      await new Promise<void>((r) => {
        release = r;
      });
      finished = true;
      return 0;
    },
    { pollMs: 3_600_000, batchSize: 1 },
  );
  loop.start();
  await new Promise((r) => setImmediate(r));
  let stopDone = false;
  const stopping = loop.stop().then(() => {
    stopDone = true;
  });
  for (let i = 0; i < 20; i += 1) await new Promise((r) => setImmediate(r));
  assert.equal(stopDone, false, 'stop() returned while the round was still under way');
  assert.equal(loop.stopping, true);
  release();
  await stopping;
  assert.equal(finished, true);
});

test('a round that throws is reported and the loop goes on', async () => {
  const errors: unknown[] = [];
  let calls = 0;
  const loop = new PollingLoop(
    async () => {
      calls += 1;
      if (calls === 1) throw new Error('store unreachable');
      return calls < 3 ? 1 : 0;
    },
    { pollMs: 0, batchSize: 1, onError: (err) => errors.push(err) },
  );
  loop.start();
  while (calls < 3) await new Promise((r) => setTimeout(r, 1));
  await loop.stop();
  assert.equal(errors.length, 1);
  assert.match(String(errors[0]), /store unreachable/);
  assert.ok(calls >= 3);
});

test('restAfterRound: a round that kept the loop busy B ms rests B(1 - d)/d, d within 1% and 100%', () => {
  assert.equal(restAfterRound(30, 0.5), 30);
  assert.equal(restAfterRound(30, 0.25), 90);
  assert.equal(restAfterRound(30, 1), 0);
  assert.equal(restAfterRound(30, 2), 0);
  assert.equal(restAfterRound(1, 0), 99);
});

/** Holds the thread (and so the event loop) for `ms`, as a synchronous SQLite statement does. */
function holdTheLoop(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

test('dutyCycle: after a round that did work the loop rests in proportion to the time it held the loop', async () => {
  const starts: number[] = [];
  const loop = new PollingLoop(
    async () => {
      starts.push(performance.now());
      holdTheLoop(40);
      return 1; // a full batch: without the duty cycle the next round would start at once
    },
    { pollMs: 3_600_000, batchSize: 1, dutyCycle: 0.5 },
  );
  loop.start();
  while (starts.length < 3) await new Promise((r) => setTimeout(r, 5));
  await loop.stop();
  // Each round held the loop 40 ms and so rests at least 40 ms more (its busy time, at half): a next
  // round starts 80 ms or more after the one before (a timer never fires early).
  for (let i = 1; i < starts.length; i++)
    assert.ok(starts[i]! - starts[i - 1]! >= 78, `round ${i + 1} started ${starts[i]! - starts[i - 1]!} ms after the one before`);
});

test('dutyCycle: none by default, rounds that did a full batch follow one another at once', async () => {
  let rounds = 0;
  let turned = false;
  let restedBetween = 0;
  let stopped: Promise<void> | null = null;
  const loop = new PollingLoop(
    async () => {
      // A turn of the event loop since the round before means the loop rested on a timer.
      if (rounds > 0 && turned) restedBetween++;
      rounds += 1;
      turned = false;
      setImmediate(() => (turned = true));
      holdTheLoop(5);
      if (rounds === 5) stopped = loop.stop();
      return 1;
    },
    { pollMs: 3_600_000, batchSize: 1 },
  );
  loop.start();
  while (stopped === null) await new Promise((r) => setTimeout(r, 5));
  await stopped;
  assert.equal(rounds, 5);
  assert.equal(restedBetween, 0, 'no duty-cycle rest by default');
});
