"""Investment ties: which investor row funded which firm row, in the order the rounds were made.

A run makes hundreds of thousands of them and reads them in bulk (the network flags of the
funding rounds, the yearly compaction, the graph and the end-of-run degrees), so they are
kept in two growing integer arrays rather than Python lists: appending a step's rounds is a
copy, not a conversion of each number to a Python object, and reading them needs no
conversion back. Capacity doubles when full, so appending is amortised O(1).
"""

from __future__ import annotations

import numpy as np


class InvestmentLog:
    """Investment ties ``(investor row, firm row)`` in the order they were made.

    ``vc`` and ``firm`` are views of the first ``n`` entries; a view taken earlier keeps the
    entries it had when the log grows. Compaction replaces the log with :meth:`remapped`, a
    new object, so a reader that cached something about the ties can tell that its rows were
    renumbered by the object's identity.
    """

    def __init__(self, capacity: int = 1024) -> None:
        cap = max(16, int(capacity))
        self._vc = np.empty(cap, np.int64)
        self._firm = np.empty(cap, np.int64)
        self.n = 0

    @property
    def vc(self) -> np.ndarray:
        """Investor rows, in order."""
        return self._vc[: self.n]

    @property
    def firm(self) -> np.ndarray:
        """Firm rows, in order."""
        return self._firm[: self.n]

    def __len__(self) -> int:
        return self.n

    def __repr__(self) -> str:
        return f"InvestmentLog(vc={self.vc!r}, firm={self.firm!r})"

    def add(self, vc: np.ndarray, firm: np.ndarray) -> None:
        """Append the ties ``(vc[i], firm[i])`` in order."""
        k = int(np.size(vc))
        if k != int(np.size(firm)):
            raise ValueError(f"{k} investor rows but {np.size(firm)} firm rows")
        if k == 0:
            return
        end = self.n + k
        if end > self._vc.size:
            cap = self._vc.size
            while cap < end:
                cap *= 2
            for name in ("_vc", "_firm"):
                grown = np.empty(cap, np.int64)
                grown[: self.n] = getattr(self, name)[: self.n]
                setattr(self, name, grown)
        self._vc[self.n : end] = vc
        self._firm[self.n : end] = firm
        self.n = end

    def remapped(self, new_index: np.ndarray) -> InvestmentLog:
        """A new log with the ties of kept firms, renumbered by ``new_index`` (old row -> new
        row, -1 dropped), in their order; investor rows are never renumbered."""
        fb = new_index.take(self.firm)
        ok = fb >= 0
        out = InvestmentLog(max(16, self._vc.size))
        out.add(self.vc[ok], fb[ok])
        return out
