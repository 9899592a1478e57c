// Memoised async work per key: concurrent and later callers share one promise; a failure is
// forgotten so the next call retries (a transient replay error must not poison the party).
export function memoAsync<K, V>(f: (k: K) => Promise<V>): (k: K) => Promise<V> {
  const cache = new Map<K, Promise<V>>();
  return (k: K) => {
    let p = cache.get(k);
    if (!p) {
      p = f(k);
      p.catch(() => cache.delete(k));
      cache.set(k, p);
    }
    return p;
  };
}
