"""Compiled kernels (numba), with the numpy code they replace kept as the reference.

Why: what is left of a step after the numpy work is a long chain of element-wise passes over
arrays of 20,000-115,000 rows (gathers, masks, products, scatter-adds), each reading and
writing whole arrays. A compiled loop does the same arithmetic in one pass.

The rule that keeps outputs byte-identical, kernel or not:

* every element goes through the same IEEE operations in the same order as the numpy code
  (numba without ``fastmath``: no reassociation, no fused multiply-add);
* transcendental functions (``exp``, ``log``, ``log1p``, powers) are left to numpy between
  kernels: numpy's SIMD versions differ from the C library's in the last bit on a few per
  cent of inputs;
* sums keep numpy's own order: ``np.sum`` adds pairwise, so it stays numpy's; ``bincount``,
  ``cumsum`` and ``np.add.at`` add sequentially in index order, which a loop repeats exactly;
* random draws stay numpy's calls on the model's generator, in the same order;
* ``error_model="numpy"``: a division by zero gives inf or nan as numpy does, not an error.

Each mechanism that has a kernel keeps its numpy path, chosen when :data:`ENABLED` is false:
set ``ECOSIM_JIT=0`` in the environment (or run without numba installed). The tests run both
paths on the same model states and compare them bit for bit. Kernels are cached on disk next
to the sources (``__pycache__``), so a process pays numba's compile cost only on the first
run after an install or an edit.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from typing import Any, cast

_OFF = ("0", "off", "false", "no")


def _numba_available() -> bool:
    try:
        import numba  # noqa: F401
    except ImportError:
        return False
    return True


#: use the compiled kernels (read at each call, so a test can switch it off)
ENABLED: bool = os.environ.get("ECOSIM_JIT", "1").strip().lower() not in _OFF and _numba_available()


def kernel[F: Callable[..., Any]](fn: F) -> F:
    """Compile ``fn`` with numba under the rules above; ``fn`` itself when numba is absent.

    Compilation is lazy (at the first call with given argument types), so importing the
    model does not compile anything a run never uses.
    """
    if not _numba_available():
        return fn
    import numba

    return cast(F, numba.njit(cache=True, error_model="numpy", nogil=True)(fn))
