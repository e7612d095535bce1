"""Dereferences NULL: the worker dies of SIGSEGV."""

import ctypes


def sq_loss(y_true, y_prediction):
    ctypes.string_at(0)
