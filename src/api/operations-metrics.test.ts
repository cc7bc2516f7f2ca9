import assert from 'node:assert/strict';
import { setImmediate as nextTurn } from 'node:timers/promises';
import { test } from 'node:test';
import { Registry } from 'prom-client';
import type { DetectionOverview } from '../app/detection-ports.ts';
import { createOperationsMetrics, OVERVIEW_REUSE, SLOW_OVERVIEW_MS } from './operations-metrics.ts';

/** A store whose counts cost `readMs` and hold `reads` Success identities more each time they are read. */
function storeCounting(readMs: number) {
  let reads = 0;
  return {
    get reads() {
      return reads;
    },
    overview: async (): Promise<DetectionOverview> => {
      reads++;
      return { verification: [], dkim: [{ status: 'Success', count: reads }], external: [], overdue: 0, readMs };
    },
    dnsAnswers: () => [],
  };
}

/** A scrape: the Success count it shows, once the scrape's turn of the event loop is over. */
async function scrape(registry: Registry): Promise<number> {
  const text = await registry.metrics();
  await nextTurn();
  return Number(/signet_identities_dkim\{status="Success"\} (\d+)/.exec(text)?.[1]);
}

test('/metrics: one overview read serves a scrape; a quick one is read again at every scrape', async () => {
  const store = storeCounting(SLOW_OVERVIEW_MS - 1);
  const registry = new Registry();
  createOperationsMetrics(registry, store);
  assert.equal(await scrape(registry), 1);
  assert.equal(store.reads, 1, 'the four gauges share one read');
  assert.equal(await scrape(registry), 2);
  assert.equal(store.reads, 2);
});

test('/metrics: an overview whose queries took long is kept for OVERVIEW_REUSE times as long, then read again', async () => {
  const readMs = SLOW_OVERVIEW_MS * 16;
  const store = storeCounting(readMs);
  let clock = 1000;
  const registry = new Registry();
  createOperationsMetrics(registry, store, { now: () => clock });
  assert.equal(await scrape(registry), 1);
  clock += OVERVIEW_REUSE * readMs - 1;
  assert.equal(await scrape(registry), 1, 'kept: the same counts, no read of the store');
  assert.equal(store.reads, 1);
  clock += 1;
  assert.equal(await scrape(registry), 2);
  assert.equal(store.reads, 2);
});
