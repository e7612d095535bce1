"""A Python list that grows without bound."""

hoard = []


def sq_loss(y_true, y_prediction):
    while True:
        hoard.append([len(hoard)] * 1_000_000)
