"""The investment-tie log: appends in order, grows, and renumbers at compaction."""

from __future__ import annotations

import numpy as np
import pytest

from sim.model.investments import InvestmentLog


def test_appends_keep_order_across_growth() -> None:
    log = InvestmentLog(capacity=16)
    vc, firm = [], []
    for k in range(40):  # several doublings
        a = np.arange(k, dtype=np.int64)
        b = a * 3 + 1
        log.add(a, b)
        vc += a.tolist()
        firm += b.tolist()
    assert len(log) == len(vc) and log.vc.tolist() == vc and log.firm.tolist() == firm
    assert log.vc.dtype == np.int64 and log.firm.dtype == np.int64


def test_an_earlier_view_keeps_its_entries() -> None:
    log = InvestmentLog(capacity=16)
    log.add(np.array([1, 2]), np.array([3, 4]))
    view = log.vc
    log.add(np.arange(100), np.arange(100))
    assert view.tolist() == [1, 2] and len(log) == 102


def test_remapped_keeps_live_firms_renumbered_in_order() -> None:
    log = InvestmentLog()
    log.add(np.array([0, 1, 2, 3]), np.array([5, 1, 2, 3]))
    new_index = np.array([0, -1, 1, -1, -1, 2])  # rows 1, 3 and 4 dropped
    out = log.remapped(new_index)
    assert out is not log
    assert out.vc.tolist() == [0, 2] and out.firm.tolist() == [2, 1]
    assert log.vc.tolist() == [0, 1, 2, 3]  # the old log is left as it was


def test_mismatched_lengths_are_refused() -> None:
    with pytest.raises(ValueError, match="3 investor rows but 2 firm rows"):
        InvestmentLog().add(np.arange(3), np.arange(2))
