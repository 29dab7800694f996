"""A minimal record of venture investments and how each ended (listing, acquisition,
write-off), so that the skew of venture returns can be measured (stylised fact F6).

Rows are compacted every year, so deals and exits are keyed by the firm's ``fid``, a
permanent id (a firm split into sampled parts keeps its id). Only the first terminal event
of a firm counts: a listed firm that later fails was still an exit at its listing value.
Recording draws nothing from the generator: a run's dynamics do not depend on it.
"""

from __future__ import annotations

from typing import Any

import numpy as np

#: how a venture-backed firm left the private stock
EXIT_KINDS = ("listing", "acquisition", "write_off", "relocation")


class DealLog:
    """Investments (per real firm: cost and post-money) and the exits of their firms."""

    def __init__(self) -> None:
        # (fid, time, amount, post_money, weight) of each batch of rounds
        self._chunks: list[tuple[np.ndarray, float, np.ndarray, np.ndarray, np.ndarray]] = []
        self.exits: dict[int, tuple[int, float, float]] = {}  # fid -> (kind, value, time)

    def invest(
        self, fid: np.ndarray, t: float, amount: np.ndarray, post: np.ndarray, weight: np.ndarray
    ) -> None:
        """Rounds of this step: each ``amount`` buys ``amount / post`` of a firm.

        The arrays are kept as given, not copied (a batch of rounds is a few small arrays,
        many times a step): the caller hands them over and does not change them afterwards.
        """
        if fid.size:
            self._chunks.append((fid, t, amount, post, weight))

    def exit(self, fid: np.ndarray, kind: str, value: np.ndarray | float, t: float) -> None:
        """Firms ``fid`` left the private stock at ``value`` each (0 for a write-off)."""
        if not fid.size:  # most steps end no venture-backed firm of a kind
            return
        code = EXIT_KINDS.index(kind)
        exits, when = self.exits, float(t)
        # Python ints (as int() gives them), without a call per firm
        ids = fid.astype(np.int64, copy=False).tolist()
        if np.ndim(value) == 0:  # one record for all: a firm already there keeps its own
            record = (code, float(value), when)
            exits.update({f: record for f in ids if f not in exits})
            return
        vals = np.broadcast_to(np.asarray(value, float), fid.shape)
        for f, v in zip(ids, vals.tolist(), strict=True):
            if f not in exits:  # the first record of a firm stays (setdefault)
                exits[f] = (code, v, when)

    def columns(self, current_value: dict[int, float]) -> dict[str, Any]:
        """Every deal with its outcome: the exit value, or the firm's value now if private."""
        if not self._chunks:
            names = ("fid", "time", "amount", "post_money", "weight", "exit_value")
            out: dict[str, Any] = {k: np.empty(0) for k in names}
            out["outcome"] = np.empty(0, dtype=object)
            return out
        fids, times, amounts, posts, weights = zip(*self._chunks, strict=True)
        fid, amount, post, weight = (np.concatenate(c) for c in (fids, amounts, posts, weights))
        t = np.repeat(np.asarray(times, np.float64), [f.size for f in fids])
        outcome, value = [], []
        for f in fid.tolist():
            ex = self.exits.get(f)
            if ex is not None:
                outcome.append(EXIT_KINDS[ex[0]])
                value.append(ex[1])
            else:
                outcome.append("private")
                value.append(current_value.get(f, 0.0))
        return {
            "fid": fid,
            "time": t,
            "amount": amount,
            "post_money": post,
            "weight": weight,
            "outcome": np.asarray(outcome, dtype=object),
            "exit_value": np.asarray(value, float),
        }
