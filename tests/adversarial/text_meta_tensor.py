"""sq_loss returns a tensor on the meta device: it has a shape and a dtype but no data.

Copying it to the CPU raises NotImplementedError ("Cannot copy out of meta tensor"), which once made
the grader say the exercise was "not implemented yet". The result must fail as what it is: a tensor
on device meta, which holds no values.

expect: {"exercise": "sq_loss", "status": {"shape": "failed"}, "max_score": 1, "says": {"shape": "meta"}}
"""

import torch


def sq_loss(y_true, y_prediction):
    shape = torch.broadcast_shapes(y_true.shape, y_prediction.shape)
    dtype = torch.promote_types(y_true.dtype, y_prediction.dtype)
    return torch.empty(shape, dtype=dtype, device="meta")
