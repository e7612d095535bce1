"""Mistake: slides the kernel one element at a time whatever the stride.
間違い: stride に関係なく、カーネルを 1 要素ずつ動かしています。
Caught by: stride."""

import torch


def conv2d_single(image, kernel, padding=0, stride=1):
    """Cross-correlation of one image with one kernel, zero padding, stride: like F.conv2d, by hand."""
    if padding > 0:
        height, width = image.shape
        padded = torch.zeros(height + 2 * padding, width + 2 * padding, dtype=image.dtype, device=image.device)
        padded[padding:padding + height, padding:padding + width] = image
        image = padded
    kh, kw = kernel.shape
    out_h = image.shape[0] - kh + 1
    out_w = image.shape[1] - kw + 1
    rows = []
    for i in range(out_h):
        row = []
        for j in range(out_w):
            patch = image[i:i + kh, j:j + kw]
            row.append((patch * kernel).sum())
        rows.append(torch.stack(row))
    return torch.stack(rows)
