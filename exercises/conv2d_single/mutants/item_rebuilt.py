"""Mistake: collects Python floats with .item() and rebuilds the result with torch.tensor, which cuts the autograd graph.
間違い: .item() で Python の float を集めて torch.tensor で結果を作り直しているため、計算グラフが切れています。
Caught by: grad."""

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
    out_w = (image.shape[1] - kw) // stride + 1
    rows = []
    for i in range(out_h):
        row = []
        for j in range(out_w):
            patch = image[i * stride:i * stride + kh, j * stride:j * stride + kw]
            row.append((patch * kernel).sum().item())
        rows.append(row)
    return torch.tensor(rows, dtype=image.dtype)
