"""Correct: loops over the kernel's elements instead of the output's; each adds kernel[a, b] times the strided
slice of the padded image that it meets, which sums the same products (in another order) without any conv."""

import torch
import torch.nn.functional as F


def conv2d_single(image, kernel, padding=0, stride=1):
    padded = F.pad(image, (padding, padding, padding, padding))
    kh, kw = kernel.shape
    out_h = (padded.shape[0] - kh) // stride + 1
    out_w = (padded.shape[1] - kw) // stride + 1
    out = torch.zeros(out_h, out_w, dtype=image.dtype, device=image.device)
    for a in range(kh):
        for b in range(kw):
            window = padded[a:a + stride * (out_h - 1) + 1:stride, b:b + stride * (out_w - 1) + 1:stride]
            out = out + kernel[a, b] * window
    return out
