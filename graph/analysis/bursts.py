"""Kleinberg's two-state burst automaton over batches (years), as CiteSpace uses.

Kleinberg, "Bursty and hierarchical structure in streams" (KDD 2002), section
4 ("enumerating bursts" in batched streams). Batch ``t`` has ``d[t]`` papers of
which ``r[t]`` are relevant (of a topic, or with a keyword). The base state
emits relevant papers at rate ``p0 = sum(r) / sum(d)``, the burst state at
``p1 = s * p0``. Being in state ``i`` at ``t`` costs

    sigma_i(t) = -ln( C(d[t], r[t]) * p_i**r[t] * (1 - p_i)**(d[t] - r[t]) )

and moving up from the base state costs ``gamma * ln(n)`` for ``n`` batches
(moving down is free). The cheapest state sequence (Viterbi, starting in the
base state) marks the bursts: maximal runs in the burst state. A burst's
strength is the cost it saves, ``sum(sigma_0(t) - sigma_1(t))`` over its
batches. Pure: lists in, lists out.

>>> [(b.start, b.end, round(b.strength, 3)) for b in bursts([10, 10, 10], [1, 1, 8])]
[(2, 2, 4.159)]
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Sequence

from graph.errors import param_error

__all__ = ["S", "GAMMA", "Burst", "bursts", "burst_states"]

#: Default burst rate multiplier (``p1 = s * p0``): CiteSpace's default 2.
S = 2.0
#: Default cost of entering the burst state, times ``ln(n)``: CiteSpace's default 1.
GAMMA = 1.0

_WHERE = "bursts"
# A burst rate of 1 would make every non-relevant paper infinitely costly.
_P_MAX = 1 - 1e-9


@dataclass(frozen=True, slots=True)
class Burst:
    """Batches ``start`` to ``end`` (indices, inclusive) in the burst state."""

    start: int
    end: int
    strength: float


def bursts(d: Sequence[int], r: Sequence[int], *, s: float = S, gamma: float = GAMMA) -> list[Burst]:
    """The bursts of ``r`` relevant out of ``d`` papers per batch.

    Parameters
    ----------
    d, r : sequence of int
        Papers and relevant papers per batch, ``0 <= r[t] <= d[t]``.
    s : float
        Burst rate multiplier, > 1.
    gamma : float
        Cost of entering a burst, >= 0, in units of ``ln(n)``.

    Returns
    -------
    list of Burst
        In batch order; empty when nothing is relevant or everything is.
    """
    states, sigma0, sigma1 = _run(d, r, s=s, gamma=gamma)
    out: list[Burst] = []
    t = 0
    while t < len(states):
        if states[t] == 1:
            start = t
            while t + 1 < len(states) and states[t + 1] == 1:
                t += 1
            strength = sum(sigma0[u] - sigma1[u] for u in range(start, t + 1))
            out.append(Burst(start, t, float(strength)))
        t += 1
    return out


def burst_states(d: Sequence[int], r: Sequence[int], *, s: float = S, gamma: float = GAMMA) -> list[int]:
    """The cheapest state (0 base, 1 burst) per batch.

    >>> burst_states([10, 10, 10], [1, 1, 8])
    [0, 0, 1]
    """
    return _run(d, r, s=s, gamma=gamma)[0]


def _run(d: Sequence[int], r: Sequence[int], *, s: float, gamma: float) -> tuple[list[int], list[float], list[float]]:
    if not isinstance(s, (int, float)) or isinstance(s, bool) or not s > 1 or not math.isfinite(s):
        raise param_error("s", _WHERE, "a number > 1", s)
    if not isinstance(gamma, (int, float)) or isinstance(gamma, bool) or not 0 <= gamma < math.inf:
        raise param_error("gamma", _WHERE, "a number >= 0", gamma)
    if len(d) != len(r):
        raise param_error("r", _WHERE, f"a sequence as long as d ({len(d)})", f"{len(r)} batches")
    for t, (dt, rt) in enumerate(zip(d, r)):
        if not (isinstance(dt, int) and isinstance(rt, int)) or not 0 <= rt <= dt:
            raise param_error("r", _WHERE, "ints with 0 <= r[t] <= d[t]", f"r={rt!r}, d={dt!r} at batch {t}")
    n = len(d)
    total, relevant = sum(d), sum(r)
    if n == 0 or relevant == 0 or relevant == total:
        return [0] * n, [0.0] * n, [0.0] * n
    p0 = relevant / total
    p1 = min(s * p0, _P_MAX)
    sigma0 = [_cost(p0, dt, rt) for dt, rt in zip(d, r)]
    sigma1 = [_cost(p1, dt, rt) for dt, rt in zip(d, r)]
    up = gamma * math.log(n) if n > 1 else 0.0
    # Viterbi; the automaton starts in the base state.
    cost = [sigma0[0], up + sigma1[0]]
    back: list[tuple[int, int]] = [(0, 0)]
    for t in range(1, n):
        from0 = (cost[0], 0) if cost[0] <= cost[1] else (cost[1], 1)  # down is free
        from1 = (cost[1], 1) if cost[1] <= cost[0] + up else (cost[0] + up, 0)
        back.append((from0[1], from1[1]))
        cost = [from0[0] + sigma0[t], from1[0] + sigma1[t]]
    state = 0 if cost[0] <= cost[1] else 1
    states = [state]
    for t in range(n - 1, 0, -1):
        state = back[t][state]
        states.append(state)
    states.reverse()
    return states, sigma0, sigma1


def _cost(p: float, dt: int, rt: int) -> float:
    log_binom = math.lgamma(dt + 1) - math.lgamma(rt + 1) - math.lgamma(dt - rt + 1)
    return -(log_binom + rt * math.log(p) + (dt - rt) * math.log1p(-p))
