"""Camp runtime: values, evaluator, call stack, world, scheduler."""
