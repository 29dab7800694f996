"""Large batches of standard normal draws from the model's SFC64 generator, compiled.

Why: a step draws a standard normal for every firm twice (productivity and headcount
shocks). numpy makes each one through a call to the bit generator per 64-bit word and its
ziggurat behind it, about 7.5 ns a normal on the bench machine; the same algorithm compiled
with the generator's arithmetic written into the loop takes about 3 ns. Over a default-scale
run that is about 40 ms, a thirtieth of the run.

The draws are numpy's, bit for bit, and the generator ends in the state numpy leaves it in:

* SFC64's step (Chris Doty-Humphrey's small fast chaotic generator) is numpy's ``sfc64_next``:
  three 64-bit words and a counter, additions, a shift, an xor-shift and a rotation;
* the ziggurat's uniforms are numpy's ``next_double``, the top 53 bits of a word times 2**-53;
* a normal is numpy's ``random_standard_normal``: the 256-layer ziggurat with numpy's tables
  (numba ships a copy of them for its own port of numpy's generator), the same wedge test with
  ``exp``, the same tail with ``log1p``, both the C library's in numpy and here;
* the state is read from and written back to ``rng.bit_generator.state``, so the model's one
  generator stays the one source of every draw. The 32-bit buffer of SFC64's state (used by
  32-bit draws, which these are not) is left as it was.

Uniforms are not done here: numpy's already take about 1.7 ns, and the compiled loop saved
only a sixth of that.

Anything else (another bit generator, kernels off, a small batch where the state round trip
costs more than it saves, numba without the tables) is numpy's own call. The tests compare
both, draw for draw and state for state, over millions of draws (every branch of the
ziggurat is taken).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from sim.model import jit

#: batches below this many draws go to numpy (reading and writing the generator's state
#: costs about as much as a few hundred draws: measured even at about 600)
MIN_COMPILED = 1024


def _tables() -> tuple[np.ndarray, np.ndarray, np.ndarray, float, float] | None:
    """numpy's ziggurat tables for the normal law (as numba ships them), or None."""
    try:
        from numba.np.random import _constants as c
    except ImportError:
        return None
    try:
        return (
            np.ascontiguousarray(c.wi_double, np.float64),
            np.ascontiguousarray(c.ki_double, np.uint64),
            np.ascontiguousarray(c.fi_double, np.float64),
            float(c.ziggurat_nor_r),
            float(c.ziggurat_nor_inv_r),
        )
    except AttributeError:
        return None


_TABLES = _tables() if jit.ENABLED else None


def _compiled_for(rng: np.random.Generator, n: int) -> bool:
    return (
        _TABLES is not None
        and n >= MIN_COMPILED
        and jit.ENABLED
        and isinstance(rng.bit_generator, np.random.SFC64)
    )


def _words(rng: np.random.Generator) -> tuple[dict[str, Any], np.ndarray]:
    state = dict(rng.bit_generator.state)
    return state, np.array(state["state"]["state"], np.uint64)


def _store(rng: np.random.Generator, state: dict[str, Any], words: np.ndarray) -> None:
    state["state"]["state"] = words
    rng.bit_generator.state = state


def standard_normal(rng: np.random.Generator, n: int) -> np.ndarray:
    """``rng.standard_normal(n)``: the same numbers, the same state after."""
    if not _compiled_for(rng, n):
        out: np.ndarray = rng.standard_normal(n)
        return out
    assert _TABLES is not None
    state, words = _words(rng)
    out = np.empty(n)
    _normal_kernel(words, out, *_TABLES)
    _store(rng, state, words)
    return out


@jit.kernel
def _next(s: np.ndarray) -> np.uint64:
    """numpy's ``sfc64_next``: the next 64-bit word, advancing ``s`` (a, b, c, counter)."""
    a, b, c, w = s[0], s[1], s[2], s[3]
    tmp = a + b + w
    s[3] = w + np.uint64(1)
    s[0] = b ^ (b >> np.uint64(11))
    s[1] = c + (c << np.uint64(3))
    s[2] = ((c << np.uint64(24)) | (c >> np.uint64(40))) + tmp
    word: np.uint64 = tmp
    return word


@jit.kernel
def _next_double(s: np.ndarray) -> float:
    """numpy's ``next_double``: a uniform on [0, 1) from the top 53 bits of a word."""
    return np.float64(_next(s) >> np.uint64(11)) * (1.0 / 9007199254740992.0)


@jit.kernel
def _normal_kernel(
    s: np.ndarray,
    out: np.ndarray,
    wi: np.ndarray,
    ki: np.ndarray,
    fi: np.ndarray,
    nor_r: float,
    nor_inv_r: float,
) -> None:
    """numpy's ``random_standard_normal`` for each element of ``out``, in order."""
    for i in range(out.size):
        while True:
            r = _next(s)
            idx = np.intp(r & np.uint64(0xFF))
            r >>= np.uint64(8)
            sign = r & np.uint64(1)
            rabs = (r >> np.uint64(1)) & np.uint64(0x000FFFFFFFFFFFFF)
            x = np.float64(rabs) * wi[idx]
            if sign:
                x = -x
            if rabs < ki[idx]:
                break  # inside the layer's rectangle: most draws
            if idx == 0:  # the tail beyond the base layer (Marsaglia's method)
                while True:
                    xx = -nor_inv_r * np.log1p(-_next_double(s))
                    yy = -np.log1p(-_next_double(s))
                    if yy + yy > xx * xx:
                        x = -(nor_r + xx) if (rabs >> np.uint64(8)) & np.uint64(1) else nor_r + xx
                        break
                break
            if (fi[idx - 1] - fi[idx]) * _next_double(s) + fi[idx] < np.exp(-0.5 * x * x):
                break  # under the density in the layer's wedge
        out[i] = x
