"""NumPy reference implementations: the test oracle and the ground truth for every rule.

Nothing in this package imports Brian2.
"""
