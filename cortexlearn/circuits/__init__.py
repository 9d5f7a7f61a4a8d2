"""Builders: the only code that calls Brian2 constructors.

Each builder turns a description (a :class:`~cortexlearn.specs.Circuit` or a task-specific
configuration) into named Brian2 objects collected in an explicit ``brian2.Network``.
"""
