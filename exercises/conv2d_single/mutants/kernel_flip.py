"""Mistake: flips the kernel by 180° (a true convolution), which PyTorch's Conv2d does not do.
間違い: カーネルを 180° 反転しています（本来の畳み込み）が、PyTorch の Conv2d は反転しません。
Caught by: values."""

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
            row.append((patch * kernel.flip(0, 1)).sum())
        rows.append(torch.stack(row))
    return torch.stack(rows)
