"""Returns an object whose __repr__, __eq__, __len__ and __class__ all misbehave."""


class Evil:
    @property
    def __class__(self):
        import torch
        return torch.Tensor

    def __repr__(self):
        raise RuntimeError("no repr for you")

    def __eq__(self, other):
        return True

    def __len__(self):
        raise RuntimeError("no len")

    def __del__(self):
        print("deleted")


def sq_loss(y_true, y_prediction):
    return Evil()
