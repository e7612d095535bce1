"""Mistake: pads with -1, the background value of the book's images, instead of 0.
間違い: 0 ではなく、本の画像の背景値である -1 でパディングしています。
Caught by: padding."""

import torch


def conv2d_single(image, kernel, padding=0, stride=1):
    """Cross-correlation of one image with one kernel, zero padding, stride: like F.conv2d, by hand."""
    if padding > 0:
        height, width = image.shape
        padded = -torch.ones(height + 2 * padding, width + 2 * padding, dtype=image.dtype, device=image.device)
        padded[padding:padding + height, padding:padding + width] = image
        image = padded
    kh, kw = kernel.shape
    out_h = (image.shape[0] - kh) // stride + 1
    out_w = (image.shape[1] - kw) // stride + 1
    rows = []
    for i in range(out_h):
        row = []
        for j in range(out_w):
            patch = image[i * stride:i * stride + kh, j * stride:j * stride + kw]
            row.append((patch * kernel).sum())
        rows.append(torch.stack(row))
    return torch.stack(rows)
