import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { findProgram } from './dns-peers.ts';
import { findPython, peerOrSkip } from './peers.ts';

/**
 * What the DKIM end-to-end tests share: NSD as the customer's DNS, dkimpy as the second independent
 * verifier, and a `signet serve --dev` that detects through that NSD. Each test file adds its own
 * flags and story; the common part lives here so that a change of a flag or a peer lookup is made once.
 */

/** A python with dkimpy and dnspython: pyenv's when it has them, else Debian's python3-dkim. */
export function findDkimpy(): string | null {
  return findPython(['dkim', 'dns.resolver']) ?? (spawnSync('/usr/bin/python3', ['-c', 'import dkim, dns.resolver']).status === 0 ? '/usr/bin/python3' : null);
}

export interface CustomerDnsPeers {
  readonly nsdBin: string | null;
  readonly dkimpy: string | null;
  /** node:test's `skip`: the reason, printed, when a peer is missing off CI (peerOrSkip throws in CI). */
  readonly skip: string | false;
}

/** NSD (with dig) and dkimpy, or why the test is skipped. `servesWhat` says which zones NSD serves. */
export function customerDnsPeers(servesWhat = 'the customer zone'): CustomerDnsPeers {
  const nsdBin = findProgram('nsd');
  const dkimpy = findDkimpy();
  const skip =
    peerOrSkip('nsd', nsdBin && findProgram('dig'), `Debian packages nsd and dnsutils: NSD serves ${servesWhat}`).skip ||
    peerOrSkip('dkimpy', dkimpy, 'Debian package python3-dkim (with python3-dnspython): the second independent verifier').skip;
  return { nsdBin, dkimpy, skip };
}

export interface CustomerDnsSignetOptions {
  readonly dataDir: string;
  readonly zone: string;
  /** NSD's port: Signet's detection resolver. */
  readonly nsdPort: number;
  readonly keyBits?: number;
  readonly keyPoolSize: number;
  /** false: no detection worker (the test checks through /_signet/check-now or not at all). */
  readonly checkInterval?: string | false;
  readonly logLevel?: string;
}

/**
 * `signet serve` flags for these tests: dev mode with SES's address lifecycle (`--auto-verify none`:
 * addresses go through the verification link; dev's default verifies them at once), real key sizes,
 * detection through NSD, and no sending quota in the way.
 */
export function customerDnsSignetArgs(o: CustomerDnsSignetOptions): string[] {
  return [
    '--data-dir',
    o.dataDir,
    '--no-throttle',
    '--dev',
    '--auto-verify',
    'none',
    '--dkim-zone',
    o.zone,
    '--key-bits',
    String(o.keyBits ?? 2048),
    '--key-pool-size',
    String(o.keyPoolSize),
    '--resolver',
    `127.0.0.1:${o.nsdPort}`,
    ...(o.checkInterval === false ? ['--no-detection'] : ['--check-interval', o.checkInterval ?? '1h']),
    '--log-level',
    o.logLevel ?? 'info',
    '--max-send-rate',
    '1000',
    '--max-24-hour-send=-1',
  ];
}

/** The selector (s=) of the message's topmost DKIM-Signature: the one Signet added. */
export function selectorOf(raw: Buffer): string {
  const header = /^DKIM-Signature:([\s\S]*?)\r\n(?![ \t])/m.exec(raw.toString('latin1'))?.[1] ?? assert.fail('no DKIM-Signature');
  return /\bs=([^;\s]+)/.exec(header)?.[1] ?? assert.fail(`no s= in ${header}`);
}
