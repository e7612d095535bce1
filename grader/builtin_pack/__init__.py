"""The exercise bank builtin, packed by torchgrader."""
