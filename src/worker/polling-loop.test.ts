import assert from 'node:assert/strict';
import { test } from 'node:test';
import { PollingLoop } from './polling-loop.ts';

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
