"""Correct: builds every window at once as a strided view of the padded image (as_strided, not unfold) and
sums each window times the kernel: the same products and sums as the loops, vectorised."""

import torch


def conv2d_single(image, kernel, padding=0, stride=1):
    height, width = image.shape
    padded = image.new_zeros(height + 2 * padding, width + 2 * padding)
    padded[padding:padding + height, padding:padding + width] = image
    kh, kw = kernel.shape
    out_h = (padded.shape[0] - kh) // stride + 1
    out_w = (padded.shape[1] - kw) // stride + 1
    row_step, col_step = padded.stride()
    windows = padded.as_strided((out_h, out_w, kh, kw), (stride * row_step, stride * col_step, row_step, col_step))
    return (windows * kernel).sum(dim=(-2, -1))
