# KUnit runs the built-in tests during boot without extra arguments.
