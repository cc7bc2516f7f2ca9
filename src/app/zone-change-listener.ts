/**
 * Told after a use case changed the key zone (created or deleted keys), and awaited before the use
 * case answers: a DNS server's cache in this process catches up first, so that a deleted identity's
 * keys are gone from DNS by the time DeleteIdentity returns. Other processes and nodes learn of the
 * change from the store's change feed instead (DnsKeyStore.keyZoneChangesSince).
 */
export interface ZoneChangeListener {
  keyZoneChanged(): Promise<void>;
}

/**
 * Fans a change out to whatever subscribed (the DNS server's cache, once it runs). The composition
 * root puts one in the AppContext before the listeners exist.
 */
export class ZoneChangeHub implements ZoneChangeListener {
  readonly #listeners = new Set<ZoneChangeListener>();

  /** Returns the unsubscribe function. */
  subscribe(listener: ZoneChangeListener): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  async keyZoneChanged(): Promise<void> {
    await Promise.all([...this.#listeners].map((l) => l.keyZoneChanged()));
  }
}
