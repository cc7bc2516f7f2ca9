import { LRUCache } from 'lru-cache';
import type { DnsKeyStore, PublishedKey } from '../app/detection-ports.ts';
import type { ZoneChangeListener } from '../app/zone-change-listener.ts';
import { dkimTxtRecordStrings, isDkimToken } from '../core/index.ts';
import { fastAnswerer, fastMissAnswerer, keyOfRdata, txtRdata, type KeyLookup, type Transport, type TxtRdata } from './answer-query.ts';
import type { KeyZone } from './key-zone.ts';

export interface KeyZoneCacheOptions {
  /** How often the store's change feed is read for changes made by other processes and nodes. */
  readonly pollMs?: number;
  /** Keys kept in memory at most (about 760 bytes each); beyond it, the least recently asked leave and are read again when asked. */
  readonly maxEntries?: number;
  /** Changes read per round trip while catching up. */
  readonly batch?: number;
  readonly onError?: (err: unknown) => void;
  /** Called with the new sequence whenever the zone changed (for NOTIFY to secondaries). */
  readonly onChange?: (seq: number) => void;
  /** How long misses wait for a store read under way before the next goes anyway (DEFAULT_MISS_READ_PATIENCE_MS). */
  readonly missReadPatienceMs?: number;
  /**
   * A key not in memory is read at once, on the event loop, where the store can (DnsKeyStore.findKeyNow,
   * SQLite): `--dns-key-reads inline`. Off by default: the misses go to the store's batched read
   * (findKeys), which SQLite runs in a thread of its own while the event loop answers from memory
   * (src/storage/sqlite/key-read-thread.ts; at a million domains on two cores, one process's Zipf rate
   * 0.40x to 0.42x of NSD inline against 0.49x to 0.50x, bench/scale.ts --dns-key-reads; the runs are
   * in docs/performance-history.md).
   */
  readonly readMissesNow?: boolean;
}

export const DEFAULT_KEY_ZONE_POLL_MS = 100;

/** Tokens per query when the misses of one turn are read together (a few hundred at most in practice). */
const MISS_BATCH = 500;

/**
 * How long the misses wait for a read under way before the next read goes anyway: a read stuck on a
 * dead connection (a half-open socket after a failover waits for TCP's retransmission timeout, many
 * minutes) must not hold every later miss of the process. A read that slow is failing anyway: the
 * resolvers asking have long retried.
 */
export const DEFAULT_MISS_READ_PATIENCE_MS = 1000;

interface Waiting {
  readonly promise: Promise<PublishedKey | null>;
  resolve(key: PublishedKey | null): void;
  reject(err: unknown): void;
}

/** Promise.withResolvers, which Node 20 lacks (Node 22 has it). */
function withResolvers(): Waiting {
  let resolve!: (key: PublishedKey | null) => void;
  let reject!: (err: unknown) => void;
  const promise = new Promise<PublishedKey | null>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

/** Reads of one page that a change overlapped, before the load moves on without it. */
const RECENT_PAGE_RETRIES = 3;

/** Keys per read while the cache loads the newest keys after start: about 1.5 MB of rows on SQLite. */
const RECENT_PAGE = 500;

/**
 * The key zone in memory, for the DNS server: answering from it costs no store round trip, which is
 * what lets one process answer tens of thousands of queries a second.
 *
 * It stays true to the store through the change feed (DnsKeyStore.keyZoneChangesSince), which the
 * store's triggers write in the same transaction as every key insert and delete:
 * - in this process, the use cases call `keyZoneChanged()` after a change and wait for it, so a
 *   deleted identity's keys are out of DNS before DeleteIdentity answers;
 * - changes made by any other process or node (the command line's in-process path, a second node on
 *   PostgreSQL) are read every `pollMs` (100 ms by default): they show in DNS within that time plus
 *   one store round trip.
 * Only keys that exist are kept; a token not in memory is looked up in the store (so a key created
 * elsewhere is answered as soon as its transaction committed): with the misses of the moment in one
 * batched read (DnsKeyStore.findKeys; SQLite runs it in a thread of its own), or, with
 * `readMissesNow` where the store can (SQLite, DnsKeyStore.findKeyNow), synchronously, so that the
 * fast path answers it too.
 */
export class KeyZoneCache implements ZoneChangeListener {
  readonly #store: DnsKeyStore;
  readonly #pollMs: number;
  readonly #maxEntries: number;
  readonly #batch: number;
  readonly #onError: (err: unknown) => void;
  readonly #onChange: (seq: number) => void;
  readonly #missReadPatienceMs: number;
  readonly #readMissesNow: boolean;
  /**
   * Least recently asked keys leave first: under a skewed mix at a million domains the hot keys stay,
   * where first-in-first-out dropped them for the tail's misses (issue 17). lru-cache rather than a
   * Map kept in recency order (delete and set again on each hit): V8's Map leaves a hole per delete
   * and `keys().next()` walks over the holes to the oldest key, which at 50,000 keys under a uniform
   * mix cost tens of microseconds per eviction, a tenth of the DNS process's CPU in a profile.
   * A key is kept as its answer's TXT RDATA alone (see TxtRdata): the public key is in it.
   */
  readonly #entries: LRUCache<string, TxtRdata>;
  /**
   * Tokens asked once while the cache was full, and not kept: a key enters a full cache only when it
   * is asked again while remembered here (TinyLFU's "doorkeeper"), unless a key the start's load put
   * in is still there unasked (see #loadedUnasked). A token asked once and never again
   * would push out a key that is asked, and under a uniform mix at a million domains nearly every
   * question is such a token: kept, each cost an eviction and an entry that lives long enough to
   * burden the old generation of the heap. With it, a skewed mix at 1M keeps more of its hot keys
   * (a simulation of bench/scale.ts's Zipf mix, 50,000 entries: 70% of questions answered from
   * memory instead of 64%). Tokens only, so it costs a tenth of the entries' memory.
   */
  readonly #seenOnce: LRUCache<string, true>;
  /**
   * Keys the start's load put in (see #loadRecent) that no question has asked yet. While any is in
   * memory the cache does not count as full to the doorkeeper: a key read from the store enters on
   * its first ask, and pushes out the least recently used entry; loaded keys nobody asked are never
   * made younger, so they are among the first to go, and the set is empty after at most about
   * `maxEntries` such admissions (an eviction each, as without the doorkeeper). The newest keys
   * are a guess at what will be asked; where the guess is wrong (a skewed mix at a million domains,
   * whose hot keys are not the newest), the doorkeeper kept the guess for tens of seconds, letting a
   * hot key in only on a second ask, one at a time. bench/dns-cache-hit-rate.ts, the first 500,000
   * questions after a start at 1M: 64% from memory against 60% before (150,000 keys: 67% against
   * 61%); `signet serve` at 1M, the first 11 s of dnsperf's Zipf mix after a start: 69% to 70%
   * against 61% to 62% (bench/scale-dns-ab.ts, three runs of five pairs), the DNS rate within the
   * runs' noise (0.95x to 1.06x; docs/performance-history.md).
   */
  readonly #loadedUnasked = new Set<string>();
  /** The change sequence the entries are true at. */
  #seq = 0;
  /** Bumped whenever entries are dropped: a store read started before must not put back what it read. */
  #epoch = 0;
  #running: Promise<void> | null = null;
  #queued: Promise<void> | null = null;
  #timer: NodeJS.Timeout | null = null;
  /** Stops the store's reports of its batched reads' failures (DnsKeyStore.startKeyReads). */
  #stopKeyReadReports: (() => void) | null = null;
  /** Counts starts: a load begun by an earlier start stops when the cache is started again. */
  #runs = 0;
  /** The misses not read yet, read together (see #readBatched). */
  #misses: Map<string, Waiting> | null = null;
  /**
   * A batched read is under way, and the misses that come meanwhile wait for it, to go together in
   * the next: a batch grows with the load instead of the number of reads. On PostgreSQL a key costs
   * far less in a large batch than in a small one (bench/dns-key-batch-read.ts), and at a million
   * domains the DNS rate was bound by those reads (issue 17). Two reads at once measured no better
   * than one. (A batch of more than MISS_BATCH tokens is several queries, sent together.)
   */
  #missReadUnderWay = false;
  /** A send of #misses is scheduled (setImmediate) and has not run yet. */
  #missSendScheduled = false;
  #hits = 0;
  #storeReads = 0;

  constructor(store: DnsKeyStore, options: KeyZoneCacheOptions = {}) {
    this.#store = store;
    this.#pollMs = options.pollMs ?? DEFAULT_KEY_ZONE_POLL_MS;
    this.#maxEntries = options.maxEntries ?? 50_000;
    this.#entries = new LRUCache<string, TxtRdata>({
      max: this.#maxEntries,
      // An entry gone (pushed out, deleted by a change, cleared, or overwritten with another answer)
      // is no longer a loaded key unasked. (An overwrite with the same answer is not told: #admit.)
      dispose: (_rdata, token) => {
        if (this.#loadedUnasked.size !== 0) this.#loadedUnasked.delete(token);
      },
    });
    this.#seenOnce = new LRUCache<string, true>({ max: this.#maxEntries });
    this.#batch = options.batch ?? 1000;
    this.#onError = options.onError ?? (() => {});
    this.#onChange = options.onChange ?? (() => {});
    this.#missReadPatienceMs = options.missReadPatienceMs ?? DEFAULT_MISS_READ_PATIENCE_MS;
    this.#readMissesNow = options.readMissesNow ?? false;
  }

  /** The change sequence the zone in memory is true at: the zone's SOA serial (see serialOf). */
  get seq(): number {
    return this.#seq;
  }

  /**
   * Settles when the newest keys are in memory (see start), or the load gave up; never rejects.
   * Nothing in serving waits for it.
   */
  loaded: Promise<void> = Promise.resolve();

  /**
   * Starts following the change feed, and loads the newest keys (up to `maxEntries`) in the
   * background, a page at a time. Nothing waits for them: a key not in memory is read from the store
   * when asked, so the DNS server answers from its first question. Loading them before answering made
   * the start grow with the store's size on disk and with the number of DNS processes loading at once
   * (issue 17: 7.2 s to ready with two DNS processes on a 14 GB store, 1.8 s with one).
   */
  async start(): Promise<void> {
    // Started already: reading the sequence again would pass over changes not yet applied.
    if (this.#timer !== null) return;
    // The sequence first: a change that commits while the keys load is applied by a later poll,
    // which only ever drops entries, so nothing stale survives it.
    const seq = await this.#store.keyZoneSeq();
    // Two starts at once: the first to get here started it.
    if (this.#timer !== null) return;
    this.#seq = seq;
    this.#store.refreshKeyReads?.();
    // The batched read's own means (SQLite's key read thread) started before the first miss, its
    // failures (which findKeys hides by reading on a slower path) reported as the cache's own.
    if (!this.#readMissesNow) this.#stopKeyReadReports = this.#store.startKeyReads?.((err) => this.#onError(err)) ?? null;
    const run = ++this.#runs;
    this.#timer = setInterval(() => {
      // A poll still under way (a slow store) is not stacked on.
      if (this.#running === null) this.sync().catch(this.#onError);
    }, this.#pollMs);
    this.#timer.unref();
    this.loaded = this.#loadRecent(run).catch(this.#onError);
  }

  /**
   * The newest keys, while there is room: the rest is read when first asked. Reading the whole zone
   * made start-up and memory grow with it (issue 17: 3M keys at 1M domains, over 1 GB). Pages, with
   * the event loop free between them: a SQLite read is synchronous in this process, and 50,000 keys
   * at once held DNS answers for the length of the read.
   */
  async #loadRecent(run: number): Promise<void> {
    // Stopped, or stopped and started again (that start has a load of its own): this one ends.
    const current = () => run === this.#runs && this.#timer !== null;
    let before: number | undefined;
    let retries = 0;
    while (current() && this.#entries.size < this.#maxEntries) {
      const want = Math.min(RECENT_PAGE, this.#maxEntries - this.#entries.size);
      const epoch = this.#epoch;
      const page = await this.#store.recentKeys(want, before);
      if (!current()) return;
      if (epoch !== this.#epoch) {
        // A change applied while the page was read may be about one of its keys: the page is read
        // again, and after a few tries under a busy feed left to be read when asked.
        if (++retries <= RECENT_PAGE_RETRIES) continue;
      } else {
        // Only room is filled: a key asked meanwhile is in memory already and keeps its place. (The
        // keys come newest first and each insert is the most recently used, so among loaded keys
        // nobody asks, the newest would leave first once the cache is full; any ask moves a key to
        // the front, and putting them in oldest first would mean holding pages back from the
        // cache past the change check above.)
        for (const key of page.keys) {
          if (this.#entries.size >= this.#maxEntries) return;
          if (!this.#entries.has(key.token)) {
            this.#put(key);
            this.#loadedUnasked.add(key.token);
          }
        }
      }
      retries = 0;
      if (page.keys.length < want) return;
      before = page.last;
      await new Promise<void>((resolve) => setImmediate(resolve));
    }
  }

  stop(): void {
    if (this.#timer) clearInterval(this.#timer);
    this.#timer = null;
    this.#stopKeyReadReports?.();
    this.#stopKeyReadReports = null;
  }

  get size(): number {
    return this.#entries.size;
  }

  /**
   * Lookups answered from memory so far (`/metrics`: with storeReads, how well `maxEntries` serves the
   * load). answersFromCache looks a question's key up once, on whichever path answers it.
   */
  get hits(): number {
    return this.#hits;
  }

  /** Keys read from the store so far (a token in a batched read counts once, however many questions waited for it). */
  get storeReads(): number {
    return this.#storeReads;
  }

  /**
   * The key's TXT RDATA, answered synchronously (the DNS server's fast path): from memory, else, with
   * `readMissesNow`, from the store where it reads synchronously (DnsKeyStore.findKeyNow, SQLite).
   * Undefined when the key does not exist, or is not in memory and is not read at once (then `lookup`
   * reads it).
   */
  get(token: string): TxtRdata | undefined {
    return this.lookupNow(token) ?? undefined;
  }

  /**
   * Like `get`, but telling a key known absent (null: the store said so) from one not known yet
   * (undefined: not in memory, and no synchronous read of the store, or it failed).
   */
  lookupNow(token: string): TxtRdata | null | undefined {
    // A hit makes the key the youngest.
    const kept = this.#entries.get(token);
    if (kept === undefined) return this.#readNow(token);
    this.#hits++;
    // Empty once the loaded keys were asked or pushed out: a size check per hit after that.
    if (this.#loadedUnasked.size !== 0) this.#loadedUnasked.delete(token);
    return kept;
  }

  /**
   * A key not in memory, read from the store synchronously where it can (see DnsKeyStore.findKeyNow)
   * and `readMissesNow` asks for it.
   * Kept like any read: nothing runs between the read and the put, and the read sees every commit
   * the change feed had shown up to `#seq` (the same database, read after), so what it put is true
   * at least as far as the feed's next poll, which drops it if it changed since.
   */
  #readNow(token: string): TxtRdata | null | undefined {
    const findNow = this.#store.findKeyNow;
    if (findNow === undefined || !this.#readMissesNow) return undefined;
    let key: PublishedKey | null;
    this.#storeReads++;
    try {
      key = findNow(token);
    } catch (err) {
      // A busy or failing read: the asynchronous path reads again (and answers SERVFAIL if that fails).
      this.#onError(err);
      return undefined;
    }
    return key === null ? null : this.#admit(key);
  }

  /** The key's TXT RDATA, from memory or else from the store. */
  async lookup(token: string): Promise<TxtRdata | null> {
    const now = this.lookupNow(token);
    if (now !== undefined) return now;
    const epoch = this.#epoch;
    const key = await this.#readBatched(token);
    if (key === null) return null;
    // A change applied while the store was read may be about this very key: do not keep what was read.
    return epoch === this.#epoch ? this.#admit(key) : rdataOf(key);
  }

  /**
   * A key read from the store together with the other misses: one query for all, sent when the
   * turn's I/O callbacks are done (setImmediate), or, while a read is under way, when it ends (see
   * #scheduleMissRead). Where a lookup is a network round trip (PostgreSQL), a read per miss held the
   * DNS server to a few thousand answers a second at a million domains (issue 17), each question
   * waiting for a pool connection; the datagrams of one poll arrive in one turn, so their misses
   * share a round trip. A token asked twice before its read is sent is read once.
   */
  #readBatched(token: string): Promise<PublishedKey | null> {
    let batch = this.#misses;
    if (batch === null) {
      batch = new Map<string, Waiting>();
      this.#misses = batch;
      this.#scheduleMissRead();
    }
    let waiting = batch.get(token);
    if (waiting === undefined) {
      waiting = withResolvers();
      batch.set(token, waiting);
    }
    return waiting.promise;
  }

  /**
   * Sends the waiting misses at the end of this turn, unless a read is under way: then when it ends.
   * Under load the misses of every turn that passed during one round trip go in one query, rather
   * than one query per turn each waiting for a pool connection.
   */
  #scheduleMissRead(): void {
    if (this.#missSendScheduled || this.#missReadUnderWay || this.#misses === null) return;
    this.#missSendScheduled = true;
    setImmediate(() => {
      // Nothing else sends or starts a read until this runs (both go through here).
      this.#missSendScheduled = false;
      const batch = this.#misses!;
      this.#misses = null;
      this.#missReadUnderWay = true;
      // The read stops holding the next one when it ends, or when it has taken too long (whichever
      // comes first; its own lookups still wait for it).
      let held = true;
      const release = () => {
        if (!held) return;
        held = false;
        clearTimeout(patience);
        this.#missReadUnderWay = false;
        this.#scheduleMissRead();
      };
      // Not unref'd: it is cleared when the read ends, and lives a second at most.
      const patience = setTimeout(release, this.#missReadPatienceMs);
      this.#readBatch(batch).finally(release);
    });
  }

  /** Reads a batch of misses and settles each; the promise settles when all parts did, never rejects. */
  #readBatch(batch: Map<string, Waiting>): Promise<unknown> {
    const tokens = [...batch.keys()];
    this.#storeReads += tokens.length;
    const reads: Promise<unknown>[] = [];
    for (let i = 0; i < tokens.length; i += MISS_BATCH) {
      const part = tokens.slice(i, i + MISS_BATCH);
      // Called from setImmediate: a store that throws instead of rejecting must not crash the process.
      let read: Promise<PublishedKey[]>;
      try {
        read = this.#store.findKeys(part);
      } catch (err) {
        read = Promise.reject(err);
      }
      const settled = read.then(
        (keys) => {
          try {
            for (const key of keys) batch.get(key.token)?.resolve(key);
          } catch (err) {
            // A malformed result: the lookups not answered yet fail (a settled promise ignores it).
            for (const t of part) batch.get(t)!.reject(err);
            return;
          }
          // Those the store did not return do not exist (a settled promise ignores a second resolve).
          for (const t of part) batch.get(t)!.resolve(null);
        },
        (err: unknown) => {
          for (const t of part) batch.get(t)!.reject(err);
        },
      );
      reads.push(settled);
    }
    return Promise.all(reads);
  }

  keyZoneChanged(): Promise<void> {
    return this.sync();
  }

  /**
   * Applies every change committed before this call. Concurrent callers share one store read, but
   * never one that started before they called (it might have missed their change).
   */
  sync(): Promise<void> {
    if (this.#queued) return this.#queued;
    if (this.#running) {
      const queued = this.#running
        .catch(() => {})
        .then(() => {
          this.#queued = null;
          return this.#run();
        });
      this.#queued = queued;
      return queued;
    }
    return this.#run();
  }

  #run(): Promise<void> {
    const running = this.#poll().finally(() => {
      if (this.#running === running) this.#running = null;
    });
    this.#running = running;
    return running;
  }

  async #poll(): Promise<void> {
    if ((await this.#store.keyZoneSeq()) === this.#seq) return;
    try {
      await this.#catchUp();
    } finally {
      this.#onChange(this.#seq);
    }
  }

  async #catchUp(): Promise<void> {
    for (;;) {
      const changes = await this.#store.keyZoneChangesSince(this.#seq, this.#batch);
      // Synchronous reads from here on see at least what the feed saw (refreshKeyReads): one from a
      // snapshot begun earlier in this turn could put back a key dropped just below.
      this.#store.refreshKeyReads?.();
      if (changes.reset) {
        this.#entries.clear();
        this.#epoch++;
      } else if (changes.tokens.length > 0) {
        // Dropped rather than re-read: a created key is read when first asked, a deleted one is gone.
        for (const token of changes.tokens) this.#entries.delete(token);
        this.#epoch++;
      }
      this.#seq = changes.seq;
      if (changes.tokens.length < this.#batch) return;
    }
  }

  /**
   * A key just read: kept while there is room or a loaded key nobody asked is still in memory (see
   * #loadedUnasked), else only on its second ask (see #seenOnce).
   */
  #admit(key: PublishedKey): TxtRdata {
    // Asked: a key the load put in while this read was under way is no longer unasked (lru-cache
    // tells no dispose when #put writes the same answer over it).
    if (this.#loadedUnasked.size !== 0) this.#loadedUnasked.delete(key.token);
    if (this.#entries.size < this.#maxEntries || this.#loadedUnasked.size !== 0 || this.#seenOnce.delete(key.token)) return this.#put(key);
    this.#seenOnce.set(key.token, true);
    return rdataOf(key);
  }

  #put(key: PublishedKey): TxtRdata {
    const rdata = rdataOf(key);
    // Full, the least recently asked key leaves.
    this.#entries.set(key.token, rdata);
    return rdata;
  }
}

function rdataOf(key: PublishedKey): TxtRdata {
  return txtRdata(dkimTxtRecordStrings(key.publicKey));
}

/**
 * The DNS server's two ways of answering from a cache, for `startDnsServer` and `answerOnUdpSocket`
 * alike (the server's process and each DNS worker): the synchronous fast path from memory, and the
 * full path, which reads a key that is not in memory from the store.
 */
export function answersFromCache(
  zone: KeyZone,
  cache: KeyZoneCache,
): {
  lookup: KeyLookup;
  fast: (message: Buffer, transport: Transport) => Buffer | null;
  fastMiss: (message: Buffer, transport: Transport) => Promise<Buffer | null> | null;
} {
  const keyOrNull = (token: string, rdata: TxtRdata | null) => (rdata === null ? null : keyOfRdata(token, rdata));
  const lookup: KeyLookup = (token) => {
    const now = cache.lookupNow(token);
    return now !== undefined ? keyOrNull(token, now) : cache.lookup(token).then((found) => keyOrNull(token, found));
  };
  // What the fast path found for the question it could not answer, handed to the miss path that the
  // server calls next for the same message (authoritative-server.ts, synchronously): a key known
  // absent is not read from the store a second time, nor a key in memory whose answer is too big
  // for UDP looked up again (and counted twice in /metrics). Two variables, not an object: this runs
  // for every question.
  let handedToken: string | null = null;
  let handedRdata: TxtRdata | null = null;
  return {
    lookup,
    fast: fastAnswerer(zone, (token) => {
      handedToken = null;
      // Only a well-formed token can be a key: any other label is answered NXDOMAIN by the full path
      // without a store read (a flood of random names must not become reads).
      if (!isDkimToken(token)) return undefined;
      const now = cache.lookupNow(token);
      if (now === undefined) return undefined;
      handedToken = token;
      handedRdata = now;
      return now ?? undefined;
    }),
    fastMiss: fastMissAnswerer(zone, (token) => {
      const handed = handedToken === token;
      handedToken = null;
      return handed ? Promise.resolve(handedRdata) : cache.lookup(token);
    }),
  };
}
