"""Paints the grader's terminal: escape sequences and rich markup in what the student's code raises and prints.

Every check raises an exception whose message holds an OSC 0 title change, an OSC 8 hyperlink, colours,
BEL, a C1 CSI (\x9b), a bidi override and rich markup, and prints the same first. Shown raw, these
would retitle the teacher's terminal, hide text or plant a link; the report must show them escaped
(`\x1b`, `\x07`) and as literal text, in every view, and the JSON must stay strict.

expect: {"exercise": "sq_loss", "status": {"shape": "error", "inputs_unchanged": "error"}, "max_score": 0, "says": {"shape": "\\x1b]0;"}}
"""

PAINT = ("\x1b]0;pwned title\x07\x1b]8;;https://evil.example/\x1b\\click here\x1b]8;;\x1b\\"
         "\x1b[2J\x1b[31mred\x1b[0m \x9b31m \x07\x08\x7f \u202eevil\u202c [bold red]markup[/bold red] [link=https://x]l[/link]")


def sq_loss(y_true, y_prediction):
    print(PAINT)
    raise ValueError(PAINT)
