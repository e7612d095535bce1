"""Raises and prints lone surrogates and bidi overrides: text that cannot be written as UTF-8, or that
reorders what a reader sees ("Trojan Source"). Writing the report once raised UnicodeEncodeError.

expect: {"status": {"shape": "error"}, "max_score": 0, "says": {"shape": "\\ud800"}}
"""


def sq_loss(y_true, y_prediction):
    print("\ud800 \u202e dessap \u202c \udfff")
    raise ValueError("\ud800\u202e 4/4 \u202c")
