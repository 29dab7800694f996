"""The compiled normal draws are numpy's, draw for draw, and leave the generator as numpy does."""

from __future__ import annotations

import numpy as np
import pytest

from sim.model import jit, sfc64

compiled = pytest.mark.skipif(
    not jit.ENABLED or sfc64._TABLES is None, reason="kernels off or numba's tables missing"
)


def _pair(seed: int) -> tuple[np.random.Generator, np.random.Generator]:
    return np.random.Generator(np.random.SFC64(seed)), np.random.Generator(np.random.SFC64(seed))


def _same_state(a: np.random.Generator, b: np.random.Generator) -> bool:
    sa, sb = a.bit_generator.state, b.bit_generator.state
    return (
        np.array_equal(sa["state"]["state"], sb["state"]["state"])
        and sa["has_uint32"] == sb["has_uint32"]
        and sa["uinteger"] == sb["uinteger"]
    )


@compiled
@pytest.mark.parametrize("seed", [1, 20250601])
def test_same_draws_and_state_as_numpy(seed: int) -> None:
    ours, numpys = _pair(seed)
    # a 32-bit draw first, so that the state's 32-bit buffer is in use and must survive
    assert ours.random(3, dtype=np.float32).tolist() == numpys.random(3, dtype=np.float32).tolist()
    for n in (0, 1, sfc64.MIN_COMPILED - 1, sfc64.MIN_COMPILED, 70_001, 1_500_000):
        expected = numpys.standard_normal(n)
        drawn = sfc64.standard_normal(ours, n)
        assert drawn.dtype == np.float64 and drawn.shape == (n,)
        assert np.array_equal(drawn, expected), n
        assert _same_state(ours, numpys), n
    # the generator goes on as numpy's would, for any kind of draw
    assert ours.random(5, dtype=np.float32).tolist() == numpys.random(5, dtype=np.float32).tolist()
    assert ours.integers(0, 1 << 40, 7).tolist() == numpys.integers(0, 1 << 40, 7).tolist()


@compiled
def test_small_batches_get_numpys_call(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sfc64, "_normal_kernel", _no_kernel)
    ours, numpys = _pair(2)
    n = sfc64.MIN_COMPILED - 1
    assert np.array_equal(sfc64.standard_normal(ours, n), numpys.standard_normal(n))


@compiled
def test_every_branch_of_the_ziggurat_is_compared() -> None:
    """The comparison above only proves the slow branches if the draws reach them: the tail
    beyond the base layer (|x| above the ziggurat's edge) and wedge draws, which cost extra
    words (so the state after the batch differs from one word per draw)."""
    ours, numpys = _pair(3)
    n = 1_500_000
    drawn = sfc64.standard_normal(ours, n)
    assert np.array_equal(drawn, numpys.standard_normal(n))
    assert _same_state(ours, numpys)
    assert sfc64._TABLES is not None
    edge = sfc64._TABLES[3]
    assert (np.abs(drawn) > edge).sum() >= 50  # about 2.6e-4 of normal draws: ~390 expected
    words = int(ours.bit_generator.state["state"]["state"][3])  # SFC64's counter: words used
    assert words > n + 1_000  # rejections and wedge tests drew extra words


def _no_kernel(*args: object) -> None:
    raise AssertionError("the compiled draw was used where numpy's call was due")


def test_another_bit_generator_gets_numpys_call(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sfc64, "_normal_kernel", _no_kernel)
    a, b = np.random.Generator(np.random.PCG64(5)), np.random.Generator(np.random.PCG64(5))
    assert np.array_equal(sfc64.standard_normal(a, 5000), b.standard_normal(5000))
    assert a.random() == b.random()


def test_kernels_off_gets_numpys_call(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(jit, "ENABLED", False)
    monkeypatch.setattr(sfc64, "_normal_kernel", _no_kernel)
    ours, numpys = _pair(11)
    assert np.array_equal(sfc64.standard_normal(ours, 5000), numpys.standard_normal(5000))
    assert _same_state(ours, numpys)
