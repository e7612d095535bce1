"""English messages. Placeholders are filled by `grader.i18n.text`."""

MESSAGES: dict[str, str] = {
    # comparison
    "plain": "{text}",
    "tensor_values": "{text}",
    "value_differs": "the value{path} is not what was expected",
    "wrong_type": "expected {expected}{path}, got {got}",
    "subclass": "expected a plain {expected}{path}, got the subclass {got}",
    "wrong_shape": "expected shape {expected}{path}, got shape {got}",
    "wrong_dtype": "expected dtype {expected}{path}, got {got}",
    "wrong_device": "expected the result{path} on {expected}, got it on {got}",
    "graph_cut": "the result{path} is not connected to the autograd graph, so no gradient can flow back",
    "values_differ": "{count} / {total} elements{path} differ ({percent}%)",
    "where_index": "index {index}: expected {expected}, got {got} (abs diff {diff}, allowed {allowed})",
    "wrong_length": "expected {expected} items{path}, got {got}",
    "wrong_keys": "the keys{path} differ: missing {missing}, unexpected {extra}",
    "not_observed": "{what}: nothing came back to compare",
    "path": " at {path}",
    "no_gradient": "no gradient reached {name}",
    "forbidden": "uses {names}, which this exercise asks you not to use",
    # student code that did not run through
    "not_implemented": "not implemented yet (the code still raises NotImplementedError)",
    "missing_name": "your file does not define `{name}`",
    "raised": "your code raised {exception}: {message}",
    "raised_at": "your code raised {exception}: {message} (line {line}: {code})",
    "load_raised": "your file raised {exception} while it was being loaded: {message}",
    "load_raised_at": "your file raised {exception} while it was being loaded: {message} (line {line}: {code})",
    "syntax": "your file has a syntax error at line {line}: {message}",
    "exit": "your code called exit() or sys.exit(), which ends the grading of this check",
    "memory": "your code ran out of memory (limit {limit_mb} MB): {message}",
    "timeout": "your code did not finish within {seconds:g} s (infinite loop, or far too slow?)",
    "load_timeout": "loading your file did not finish within {seconds:g} s (infinite loop at top level?)",
    "died": "your code ended the process ({how}) before the check finished",
    "unreadable": "the check's result could not be read back ({message})",
    "not_run": "not run: '{needs}' did not pass",
    "hidden_failed": "this hidden check did not pass",
    "passed": "passed",
    # report
    "report.expected": "expected",
    "report.got": "got",
    "report.where": "where",
    "report.hint": "hint",
    "report.output": "printed",
    "report.total": "total",
    # hints
    "hint.numpy_result": "you returned a NumPy value; stay in torch so autograd can follow the computation.",
    "hint.item_result": "you returned a Python number; .item() or float() turns a tensor into one and cuts the graph.",
    "hint.returned_none": "nothing was returned: is a `return` statement missing?",
    "hint.placeholder_left": "a `...` placeholder from the template is still there.",
    "hint.subclass": "return an ordinary torch.Tensor, not a subclass of it.",
    "hint.float64_leak": "float64 usually leaks in from NumPy or a Python float tensor; keep the inputs' dtype.",
    "hint.graph_cut": ".detach(), .item(), .numpy() or torch.tensor(...) on an intermediate result cuts the graph.",
    "hint.reduced": "the result was reduced to a single number: is there a .mean() or .sum() too many?",
    "hint.broadcast_blowup": "an extra dimension appeared: (N, 1) combined with (N,) broadcasts to (N, N).",
    "hint.transposed": "the dimensions are in another order: is a .T or a transpose missing or extra?",
    "hint.inplace": "an in-place operation (-=, +=, .sub_(), ...) changed the caller's tensor; compute a new one.",
    "hint.sq_loss.elementwise": "return one squared error per element, with the shape of the inputs broadcast together.",
    "hint.sq_loss.square": "each element should be the square of the difference, not its absolute value or the difference itself.",
    # --- simple_graph (hints and messages of this exercise) ---
    # --- my_linear (hints and messages of this exercise) ---
    # --- broadcast_distances (hints and messages of this exercise) ---
    # --- train_loop (hints and messages of this exercise) ---
    # --- cnn_classifier (hints and messages of this exercise) ---
}
