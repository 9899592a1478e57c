// Choosing the transition to dispute. Every H[t] is already committed in stepsRoot, so the
// bisection over steps happens off chain and costs one move (pickStep): binary search for
// adjacent states where the challenger agrees with H[t-1] but not with H[t]. The invariant
// (agree at lo, disagree at hi) holds at every round, so the result is a valid transition to
// dispute even if the solver's lie is masked and its later states agree again.

/**
 * A t with own(t - 1) == committed[t - 1] and own(t) != committed[t] (t = 0: the init program
 * is already wrong), or null when the final state agrees. `own(t)` is this party's H[t]; it is
 * called for O(log T) steps.
 */
export async function firstDivergence(committed: Buffer[], own: (t: number) => Promise<Buffer>): Promise<number | null> {
  let hi = committed.length - 1;
  if ((await own(hi)).equals(committed[hi])) return null;
  if (!(await own(0)).equals(committed[0])) return 0;
  let lo = 0;
  while (hi - lo > 1) {
    const mid = lo + Math.floor((hi - lo) / 2);
    if ((await own(mid)).equals(committed[mid])) lo = mid;
    else hi = mid;
  }
  return hi;
}
