# not UTF-8: ÿþ
def sq_loss(a, b):
    return (a - b) ** 2  # été in Latin-1
