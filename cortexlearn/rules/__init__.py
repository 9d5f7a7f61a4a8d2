"""Learning rules as Brian2 synaptic update equations.

Each rule is a small frozen object with unit-checked parameters that renders Brian2 code
(``model``, ``on_pre``, ``on_post``, summed variables, ``run_regularly`` code) and names its
paper and equation. Import rules from their modules, e.g. ``cortexlearn.rules.stdp``.
"""
