"""Mistake: leaves out the "+ 1" of the output size, so the last row and column are missing.
間違い: 出力サイズの「+ 1」を忘れていて、最後の行と列が欠けています。
Caught by: shape."""

import torch


def conv2d_single(image, kernel, padding=0, stride=1):
    """Cross-correlation of one image with one kernel, zero padding, stride: like F.conv2d, by hand."""
    if padding > 0:
        height, width = image.shape
        padded = torch.zeros(height + 2 * padding, width + 2 * padding, dtype=image.dtype, device=image.device)
        padded[padding:padding + height, padding:padding + width] = image
        image = padded
    kh, kw = kernel.shape
    out_h = (image.shape[0] - kh) // stride
    out_w = (image.shape[1] - kw) // stride
    rows = []
    for i in range(out_h):
        row = []
        for j in range(out_w):
            patch = image[i * stride:i * stride + kh, j * stride:j * stride + kw]
            row.append((patch * kernel).sum())
        rows.append(torch.stack(row))
    return torch.stack(rows)
