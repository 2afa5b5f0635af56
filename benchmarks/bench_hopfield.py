"""HopfieldMemory against plain NumPy Hopfield code written here, in one process.

Throughput: storing p patterns of N units (Hebbian) and recalling from probes
with 10% of their bits flipped, timed alternately after a warm-up, medians of
``--repeats`` runs. The peer is the textbook NumPy implementation: ``W = X'X / N``
with a zero diagonal, and synchronous updates ``s <- sign(W s)`` until nothing
changes, one probe at a time (a loop) and all probes at once (batched).

Capacity: the exact-recall rate and mean overlap from 10% noise against the load
p / N for each storage rule (and Hebbian with unlearning), with the asynchronous
dynamics, averaged over ``--seeds`` independent pattern sets.

Dense memories: recall throughput of DenseHopfieldMemory (degree 3) against
Krotov & Hopfield's update written plainly in NumPy here (both energies of
each unit's two values recomputed from the overlaps, all probes at once), and
the exact-recall rate against p / N for degrees 2, 3, 4 and the exponential.

Don't-care units: the exact-recall rate of N visible bits against p / N, for the
projection and descent rules with K = 0, N/2 and N don't-care units (random or
projected padding); the cue gives the visible bits only.

    python benchmarks/bench_hopfield.py                      # every part
    python benchmarks/bench_hopfield.py --parts dont-care --seeds 5
    python benchmarks/bench_hopfield.py --parts speed --n-units 1000
"""

import argparse
import time
import warnings

import numpy as np
from _machine import describe
from sklearn.exceptions import ConvergenceWarning

from skenergy import DenseHopfieldMemory, HopfieldMemory
from skenergy.datasets import flip_bits, make_random_spins

# --------------------------------------------------------------- the NumPy peer


def numpy_store(X):
    W = X.T @ X / X.shape[1]
    np.fill_diagonal(W, 0)
    return W


def numpy_recall_loop(W, probes, max_steps=100):
    """Synchronous updates, one probe at a time, to a fixed point or a 2-cycle."""
    out = np.empty_like(probes)
    for row, s in enumerate(probes):
        before = None
        for _ in range(max_steps):
            new = np.where(W @ s >= 0, 1, -1).astype(s.dtype)
            if np.array_equal(new, s) or (before is not None and np.array_equal(new, before)):
                s = new
                break
            before, s = s, new
        out[row] = s
    return out


def numpy_recall_batched(W, probes, max_steps=100):
    """Synchronous updates of all probes together, until each is at a fixed point or a 2-cycle."""
    S, before = probes, None
    for _ in range(max_steps):
        new = np.where(S @ W >= 0, 1, -1).astype(S.dtype)
        settled = (new == S).all(axis=1)
        if before is not None:
            settled |= (new == before).all(axis=1)
        before, S = S, new
        if settled.all():
            break
    return S


# --------------------------------------------------------------------- speed


def timed(fn):
    start = time.perf_counter()
    result = fn()
    return time.perf_counter() - start, result


def speed(args):
    n_units, n_patterns, n_probes = args.n_units, args.n_patterns, args.n_probes
    X = make_random_spins(n_patterns, n_units, random_state=0).astype(np.float32)
    probes = np.repeat(X, -(-n_probes // n_patterns), axis=0)[:n_probes]
    targets = probes
    probes = flip_bits(probes, 0.1, random_state=1).astype(np.float32)
    W = numpy_store(X)
    memories = {
        update: HopfieldMemory(update=update, random_state=0).fit(X) for update in ("sync", "async")
    }
    runs = {
        "store: NumPy X'X / N": lambda: numpy_store(X),
        "store: HopfieldMemory.fit": lambda: HopfieldMemory().fit(X),
        "recall: NumPy, one probe at a time": lambda: numpy_recall_loop(W, probes),
        "recall: NumPy, batched": lambda: numpy_recall_batched(W, probes),
        "recall: HopfieldMemory sync": lambda: memories["sync"].predict(probes),
        "recall: HopfieldMemory async": lambda: memories["async"].predict(probes),
    }
    times = {name: [] for name in runs}
    results = {}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)  # 2-cycles are counted below
        for name, fn in runs.items():  # warm-up
            results[name] = fn()
        for _ in range(args.repeats):
            for name, fn in runs.items():
                times[name].append(timed(fn)[0])
    n_cycled = int(memories["sync"].recall(probes).cycled.sum())
    medians = {name: float(np.median(t)) for name, t in times.items()}
    print(
        f"\nspeed: N = {n_units} units, {n_patterns} patterns (Hebbian), {n_probes} probes "
        f"with 10% of bits flipped, float32, median of {args.repeats} alternating runs"
    )
    for name, seconds in medians.items():
        count = n_patterns if name.startswith("store") else n_probes
        line = f"  {name:<38} {seconds * 1e3:8.1f} ms  {count / seconds:10.0f} per second"
        if name.startswith("recall"):
            exact = np.mean((results[name] == targets).all(axis=1))
            line += f"   exact recall {exact:.3f}"
        print(line)
    loop = medians["recall: NumPy, one probe at a time"]
    batched = medians["recall: NumPy, batched"]
    for update in ("sync", "async"):
        ours = medians[f"recall: HopfieldMemory {update}"]
        print(
            f"  HopfieldMemory {update}: {loop / ours:.1f}x the one-at-a-time loop, "
            f"{batched / ours:.2f}x batched NumPy"
        )
    print(f"  ({n_cycled} probes end in a cycle of period 2 under synchronous updates)")
    store_ratio = medians["store: NumPy X'X / N"] / medians["store: HopfieldMemory.fit"]
    print(f"  store: {store_ratio:.2f}x NumPy (fit includes input validation)")


# ------------------------------------------------------------------ capacity

RULES = {
    "hebbian": {},
    "hebbian + unlearning": {"unlearning_rate": 0.02, "n_unlearning": 100},
    "storkey": {},
    "pseudoinverse": {},
    "descent": {},
}


def capacity(args):
    loads = [0.05, 0.1, 0.138, 0.2, 0.3, 0.5]
    n_units = args.capacity_units
    print(
        f"\ncapacity: N = {n_units}, asynchronous recall from 10% flipped bits, "
        f"{args.seeds} pattern sets per load: exact-recall rate (mean overlap)"
    )
    print(f"  {'rule':<22}" + "".join(f"{'p/N = ' + str(a):>17}" for a in loads) + "   time")
    for label, params in RULES.items():
        rule = label.split(" ")[0]
        cells, start = [], time.perf_counter()
        for load in loads:
            exact, overlap = [], []
            for seed in range(args.seeds):
                X = make_random_spins(int(round(load * n_units)), n_units, random_state=seed)
                memory = HopfieldMemory(rule, random_state=seed, **params).fit(X)
                with warnings.catch_warnings():
                    warnings.simplefilter("ignore", ConvergenceWarning)
                    recalled = memory.predict(flip_bits(X, 0.1, random_state=seed + 100))
                exact.append(np.mean((recalled == X).all(axis=1)))
                overlap.append(np.mean(recalled * X))
            cells.append(f"{np.mean(exact):.3f} ({np.mean(overlap):.3f})")
        seconds = time.perf_counter() - start
        print(f"  {label:<22}" + "".join(f"{c:>17}" for c in cells) + f"   {seconds:.1f}s")
    print(
        "  (theory, Amit-Gutfreund-Sompolinsky: Hebbian retrieval states vanish above "
        "0.138 N; Storkey ~ N / sqrt(2 ln N); pseudoinverse: any p < N independent patterns)"
    )


def exact_recall_rate(n_patterns, n_units, seeds, memory=HopfieldMemory, n_probes=None, **params):
    """Mean share of patterns (the first ``n_probes`` of each set) recalled exactly
    from cues with 10% of their bits flipped."""
    rates = []
    for seed in range(seeds):
        X = make_random_spins(n_patterns, n_units, random_state=seed)
        fitted = memory(random_state=seed, **params).fit(X)
        cues = X[:n_probes]
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)
            recalled = fitted.predict(flip_bits(cues, 0.1, random_state=seed + 100))
        rates.append(np.mean((recalled == cues).all(axis=1)))
    return float(np.mean(rates))


def dont_care(args):
    """Exact recall against p / N with K = 0, N/2, N don't-care units."""
    n_units, loads = args.dont_care_units, [0.2, 0.4, 0.6, 0.8, 1.0, 1.2, 1.5]
    print(
        f"\ndon't-care units: N = {n_units} visible units, K more, asynchronous recall "
        f"from 10% flipped visible bits, {args.seeds} pattern sets: exact-recall rate"
    )
    header = "".join(f"{'p/N=' + str(a):>9}" for a in loads)
    print(f"  {'rule, K, padding':<34}{header}   time")
    for rule in ("pseudoinverse", "descent"):
        for fraction in (0, 0.5, 1):
            for fill in ("random", "projection") if fraction else ("-",):
                K = int(fraction * n_units)
                params = {"rule": rule, "n_components": K}
                if K:
                    params["hidden_fill"] = fill
                start, cells = time.perf_counter(), []
                for load in loads:
                    p = int(round(load * n_units))
                    if p >= n_units + K:
                        cells.append("-")
                        continue
                    cells.append(f"{exact_recall_rate(p, n_units, args.seeds, **params):.2f}")
                label = f"{rule}, K = {K}, {fill}"
                seconds = time.perf_counter() - start
                print(f"  {label:<34}" + "".join(f"{c:>9}" for c in cells) + f"   {seconds:.0f}s")


# ------------------------------------------------- dense memories: the NumPy peer


def numpy_dense_recall(patterns, probes, degree, max_steps=100, seed=0):
    """Krotov & Hopfield's asynchronous update as written in the paper, batched over
    probes: each unit takes the value whose energy ``-sum_mu (xi_mu . s)^n`` is
    lower, both energies recomputed from the full overlaps."""
    S = probes.copy()
    order_rng = np.random.default_rng(seed)
    for _ in range(max_steps):
        before = S.copy()
        for unit in order_rng.permutation(S.shape[1]):
            plus, minus = S.copy(), S.copy()
            plus[:, unit], minus[:, unit] = 1, -1
            e_plus = -((plus @ patterns.T) ** degree).sum(axis=1)
            e_minus = -((minus @ patterns.T) ** degree).sum(axis=1)
            S[:, unit] = np.where(e_plus < e_minus, 1, np.where(e_minus < e_plus, -1, S[:, unit]))
        if np.array_equal(S, before):
            break
    return S


def dense_speed(args):
    n_units, n_patterns, degree = args.dense_units, args.dense_patterns, 3
    X = make_random_spins(n_patterns, n_units, random_state=0)
    probes = flip_bits(X[: args.dense_probes], 0.1, random_state=1)
    memory = DenseHopfieldMemory(degree=degree, random_state=0).fit(X)
    print(
        f"\ndense memory recall: N = {n_units}, p = {n_patterns}, degree {degree}, "
        f"{len(probes)} probes with 10% flipped bits, median of {args.repeats}"
    )
    ours, peer = [], []
    memory.predict(probes[:10])
    numpy_dense_recall(X, probes[:10], degree)  # warm-up
    for _ in range(args.repeats):
        ours.append(timed(lambda: memory.predict(probes)))
        peer.append(timed(lambda: numpy_dense_recall(X, probes, degree)))
    ours_s, peer_s = np.median([t for t, _ in ours]), np.median([t for t, _ in peer])
    ours_ok = np.mean((ours[-1][1] == X[: len(probes)]).all(axis=1))
    peer_ok = np.mean((peer[-1][1] == X[: len(probes)]).all(axis=1))
    for name, seconds, exact in [
        ("DenseHopfieldMemory", ours_s, ours_ok),
        ("NumPy (paper update)", peer_s, peer_ok),
    ]:
        print(f"  {name:<24}{len(probes) / seconds:10.0f} probes/s  exact {exact:.3f}")
    print(f"  ratio {peer_s / ours_s:.1f}x")


def dense_capacity(args):
    n_units, loads = args.dense_units, [0.1, 0.2, 0.5, 1, 2, 5, 10, 20, 50]
    print(
        f"\ndense memory capacity: N = {n_units}, asynchronous recall of up to "
        f"{args.dense_probes} patterns per set from 10% flipped bits, {args.seeds} sets: "
        "exact-recall rate"
    )
    header = "".join(f"{'p/N=' + str(a):>9}" for a in loads)
    print(f"  {'interaction':<20}{header}   time")
    for label, params, highest in [
        ("polynomial, n = 2", {"degree": 2}, 1),
        ("polynomial, n = 3", {"degree": 3}, 10),
        ("polynomial, n = 4", {"degree": 4}, 50),
        ("exponential", {"interaction": "exponential"}, 50),
    ]:
        start, cells = time.perf_counter(), []
        for load in loads:
            if load > highest:
                cells.append("-")
                continue
            rate = exact_recall_rate(
                int(round(load * n_units)), n_units, args.seeds, DenseHopfieldMemory,
                args.dense_probes, **params,
            )  # fmt: skip
            cells.append(f"{rate:.2f}")
        seconds = time.perf_counter() - start
        print(f"  {label:<20}" + "".join(f"{c:>9}" for c in cells) + f"   {seconds:.0f}s")
    print(
        "  (theory: degree n stores about N^(n-1) patterns, Hebb's 0.14 N for n = 2;"
        " exponential about 2^(N/2))"
    )


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument(
        "--parts", nargs="+", default=["speed", "capacity", "dont-care", "dense-speed", "dense"],
        choices=["speed", "capacity", "dont-care", "dense-speed", "dense"],
    )  # fmt: skip
    parser.add_argument("--n-units", type=int, default=1000)
    parser.add_argument("--n-patterns", type=int, default=100)
    parser.add_argument("--n-probes", type=int, default=1000)
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--capacity-units", type=int, default=500)
    parser.add_argument("--seeds", type=int, default=3)
    parser.add_argument("--dont-care-units", type=int, default=100, help="N of that part")
    parser.add_argument("--dense-units", type=int, default=100)
    parser.add_argument("--dense-patterns", type=int, default=300, help="for the speed part")
    parser.add_argument("--dense-probes", type=int, default=200)
    args = parser.parse_args()
    print(describe())
    if "speed" in args.parts:
        speed(args)
    if "capacity" in args.parts:
        capacity(args)
    if "dont-care" in args.parts:
        dont_care(args)
    if "dense-speed" in args.parts:
        dense_speed(args)
    if "dense" in args.parts:
        dense_capacity(args)


if __name__ == "__main__":
    main()
