"""Mistake: puts all the padding after the image (bottom and right) instead of on every side.
間違い: パディングを四辺ではなく、画像の後ろ（下と右）にまとめて追加しています。
Caught by: padding."""

import torch


def conv2d_single(image, kernel, padding=0, stride=1):
    """Cross-correlation of one image with one kernel, zero padding, stride: like F.conv2d, by hand."""
    if padding > 0:
        height, width = image.shape
        padded = torch.zeros(height + 2 * padding, width + 2 * padding, dtype=image.dtype, device=image.device)
        padded[:height, :width] = image
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
