"""Exercise broadcast_distances: distances by broadcasting (fastbook ch. 4, "Computing metrics
using broadcasting").

Fill in the bodies of `mnist_distance` and `pairwise_distances`, then run
`grader check broadcast_distances`.
"""

import torch


def mnist_distance(a, b):
    """Mean absolute difference (L1 distance) between images, over the last two dimensions.

    Broadcasting does the rest: when one argument is a single image and the other a stack of
    images, PyTorch treats the single image as if it were copied once per image of the stack,
    without allocating that memory, and you get one distance per image.

    Args:
      a: torch.Tensor of images, shape (28, 28), (N, 28, 28) or (B, N, 28, 28).
      b: torch.Tensor of images, e.g. the "ideal" 3 of shape (28, 28).

    Returns:
      torch.Tensor with the leading dimensions of `a` and `b` broadcast together, the last two
      (the pixels) averaged away:

        (28, 28)       and (28, 28)  ->  shape ()      one distance
        (N, 28, 28)    and (28, 28)  ->  shape (N,)    one distance per image
        (B, N, 28, 28) and (28, 28)  ->  shape (B, N)

      The order of the arguments does not matter: `mnist_distance(mean3, valid_3_tens)` is
      `mnist_distance(valid_3_tens, mean3)`.

    Example:
      >>> mnist_distance(a_3, mean3)
      tensor(0.1114)
      >>> valid_3_dist = mnist_distance(valid_3_tens, mean3)
      >>> valid_3_dist, valid_3_dist.shape
      (tensor([0.1050, 0.1526, 0.1186,  ..., 0.1122, 0.1170, 0.1086]), torch.Size([1010]))
    """
    raise NotImplementedError("Distance function `mnist_distance`")


def pairwise_distances(x, y):
    """Euclidean distance between every row of `x` and every row of `y`, by broadcasting.

    Insert a dimension of size 1 into each argument so that their difference has shape
    (N, M, D), one difference vector per pair of rows; then reduce over the features.
    Do not use `torch.cdist`, and do not loop over the rows in Python: the grader also
    runs your function on N = M = 2000 rows of D = 64 features.

    Args:
      x: torch.Tensor of shape (N, D), one point per row.
      y: torch.Tensor of shape (M, D), one point per row.

    Returns:
      torch.Tensor of shape (N, M) where element [i, j] is
      sqrt(sum_k (x[i, k] - y[j, k]) ** 2).

    Example:
      >>> x = torch.tensor([[0., 0.], [3., 4.]])
      >>> y = torch.tensor([[0., 0.], [6., 8.], [3., 0.]])
      >>> pairwise_distances(x, y)
      tensor([[ 0., 10.,  3.],
              [ 5.,  5.,  4.]])
    """
    raise NotImplementedError("Distance function `pairwise_distances`")
