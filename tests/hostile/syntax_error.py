def sq_loss(y_true, y_prediction)
    return (y_true - y_prediction) ** 2
