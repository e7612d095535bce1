"""Correct: a while loop with a counter runs the body n_epochs times; clearing each parameter's
.grad by hand is what zero_grad() does; loss.detach().item() is loss.item(); keyword arguments
to the loss are in the right roles."""


def train(features, labels, model, loss_fun, optimizer, n_epochs):
    history = []
    epoch = 0
    while epoch < n_epochs:
        for p in model.parameters():
            p.grad = None
        out = model(features)
        loss = loss_fun(out, labels)
        loss.backward()
        optimizer.step()
        history.append(loss.detach().item())
        epoch += 1
    return history
