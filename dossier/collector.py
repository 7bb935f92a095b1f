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
    (left in the youngest, it would be walked at the next passes, once per generation), or
    frozen with the rest when a caller has frozen what lived before (gc.freeze: a build does).
    Never held across a yield."""
    if not gc.isenabled():
        yield
        return
    gc.disable()
    try:
        yield
    finally:
        if keep:
            gc.freeze()
            if not _frozen:
                gc.unfreeze()
        gc.enable()


_frozen = False   # whether frozen() holds (gc.get_freeze_count walks every frozen object: 0.13 s)


@contextmanager
def frozen():
    """Everything alive now, and what paused(keep=True) keeps inside the block, is frozen
    (gc.freeze): the collector's passes walk only the objects made since."""
    global _frozen
    outer, _frozen = _frozen, True
    gc.freeze()
    try:
        yield
    finally:
        _frozen = outer
        if not outer:
            gc.unfreeze()
