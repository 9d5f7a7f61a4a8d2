"""Specifications of learning circuits: configurations and spec factories, no Brian2 objects.

Each module declares a kind of circuit as frozen, validated data — a layered network trained by a
credit-assignment rule (:mod:`~cortexlearn.circuits.feedforward`), a layered rate network with
symmetric feedback trained by equilibrium propagation (:mod:`~cortexlearn.circuits.eqprop`),
balanced networks with fast and slow connections (:mod:`~cortexlearn.circuits.balanced`,
:mod:`~cortexlearn.circuits.balanced_dale`, :mod:`~cortexlearn.circuits.balanced_system`), the COBA benchmark circuit
(:mod:`~cortexlearn.circuits.coba`), delay lines for late errors
(:mod:`~cortexlearn.circuits.delay_line`) — with the seeded draws of its initial parameters.
:mod:`cortexlearn.build` turns them into Brian2 objects.
"""
