"""Pausing Python's cyclic garbage collector while many objects are made.

The records of a dossier form no reference cycles, and each pass of the collector walks every
object made so far: building tens of thousands of records with it running cost several times
the work itself (unpickling the workers' results at 10,000 entities took ten times longer).
"""
from __future__ import annotations

import gc
from contextlib import contextmanager


@contextmanager
def paused(keep: bool = False):
    """The collector off inside the block (forked workers inherit that). keep: what the block
    made lives on, so it is moved to the oldest generation at the end without a pass over it
    (left in the youngest, it would be walked at the next passes, once per generation). That
    also unfreezes what a caller froze with gc.freeze. Never held across a yield."""
    if not gc.isenabled():
        yield
        return
    gc.disable()
    try:
        yield
    finally:
        if keep:
            gc.freeze()
            gc.unfreeze()
        gc.enable()
