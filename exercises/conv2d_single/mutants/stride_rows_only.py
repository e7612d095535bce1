"""Mistake: applies the stride to the rows only; along a row the kernel moves one column at a time.
間違い: stride を行方向にだけ適用していて、列方向には 1 列ずつ動かしています。
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
    out_h = (image.shape[0] - kh) // stride + 1
    out_w = image.shape[1] - kw + 1
    rows = []
    for i in range(out_h):
        row = []
        for j in range(out_w):
            patch = image[i * stride:i * stride + kh, j:j + kw]
            row.append((patch * kernel).sum())
        rows.append(torch.stack(row))
    return torch.stack(rows)
