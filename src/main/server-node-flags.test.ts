import assert from 'node:assert/strict';
import { test } from 'node:test';
import { dnsWorkerExecArgv, serverNodeFlagsToAdd } from './server-node-flags.ts';
import { UDP_SEND_QUEUE_ENV, UDP_SEND_QUEUE_FLAG } from './udp-send-queue.ts';
import { YOUNG_GENERATION_FLAG } from './young-generation.ts';

const yes = () => true;
const no = () => false;

test('serve lacks the cap and the UDP send queue; dns export only the cap; other commands nothing', () => {
  assert.deepEqual(serverNodeFlagsToAdd(['serve', '--dev'], [], {}, yes), [YOUNG_GENERATION_FLAG, UDP_SEND_QUEUE_FLAG]);
  assert.deepEqual(serverNodeFlagsToAdd(['dns', 'export'], [], {}, yes), [YOUNG_GENERATION_FLAG]);
  assert.deepEqual(serverNodeFlagsToAdd(['admin', 'status'], [], {}, yes), []);
  assert.deepEqual(serverNodeFlagsToAdd([], [], {}, yes), []);
});

test('a flag the process has already is not added again (a server started again with them restarts no more)', () => {
  assert.deepEqual(serverNodeFlagsToAdd(['serve'], [YOUNG_GENERATION_FLAG, UDP_SEND_QUEUE_FLAG], {}, yes), []);
  assert.deepEqual(serverNodeFlagsToAdd(['serve'], ['--max-semi-space-size=64'], {}, yes), [UDP_SEND_QUEUE_FLAG], "the operator's own size kept");
});

test('the UDP send queue is left out when turned off, or when this Node refuses it, and Node is asked only when it is wanted', () => {
  let asked = 0;
  const counting = () => {
    asked++;
    return true;
  };
  assert.deepEqual(serverNodeFlagsToAdd(['serve'], [], { [UDP_SEND_QUEUE_ENV]: '0' }, counting), [YOUNG_GENERATION_FLAG]);
  assert.deepEqual(serverNodeFlagsToAdd(['dns', 'export'], [], {}, counting), [YOUNG_GENERATION_FLAG]);
  assert.equal(asked, 0);
  assert.deepEqual(serverNodeFlagsToAdd(['serve'], [], {}, no), [YOUNG_GENERATION_FLAG], 'a Node that dropped the flag: serve starts without it');
  assert.deepEqual(serverNodeFlagsToAdd(['serve'], [], { [UDP_SEND_QUEUE_ENV]: '1' }, yes), [YOUNG_GENERATION_FLAG, UDP_SEND_QUEUE_FLAG]);
});

test("a DNS worker's flags: the server's, with the cap and the UDP send queue where they lack", () => {
  assert.deepEqual(dnsWorkerExecArgv(['--enable-source-maps'], {}, yes), ['--enable-source-maps', YOUNG_GENERATION_FLAG, UDP_SEND_QUEUE_FLAG]);
  assert.deepEqual(dnsWorkerExecArgv([YOUNG_GENERATION_FLAG, UDP_SEND_QUEUE_FLAG], {}, yes), [YOUNG_GENERATION_FLAG, UDP_SEND_QUEUE_FLAG]);
  assert.deepEqual(dnsWorkerExecArgv([], { [UDP_SEND_QUEUE_ENV]: '0' }, yes), [YOUNG_GENERATION_FLAG]);
  assert.deepEqual(dnsWorkerExecArgv([], {}, no), [YOUNG_GENERATION_FLAG]);
});
