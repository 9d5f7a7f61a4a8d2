"""The builder: the only code that creates Brian2 objects.

Every Brian2 constructor (``NeuronGroup``, ``Synapses``, ``SpikeGeneratorGroup``, monitors, ...)
of cortexlearn lives in this package. A specification — a :class:`~cortexlearn.specs.Circuit` of
populations and projections, or the configuration of a learning circuit from
:mod:`cortexlearn.circuits` — goes in; named Brian2 objects in an explicit ``Network`` come out.
Learning rules contribute their equations through one protocol
(:meth:`cortexlearn.rules.base.LearningRule.contribution`); the builder writes the transmission
statement from the presynaptic population's kind, so Dale's law is structural.

Modules, one per kind of circuit:

- :mod:`~cortexlearn.build.circuit` — :func:`build`: any :class:`~cortexlearn.specs.Circuit`
  (populations, projections with any projection rule, drives, sources, monitors, fusion);
- :mod:`~cortexlearn.build.feedforward` — layered networks trained by a credit-assignment rule
  (feedback pathways, error populations, delay lines);
- :mod:`~cortexlearn.build.recurrent` — recurrent networks trained by e-prop;
- :mod:`~cortexlearn.build.eqprop` — layered rate networks with symmetric feedback trained by
  equilibrium propagation through the temporal-derivative rule;
- :mod:`~cortexlearn.build.microcircuit` — dendritic cortical microcircuits (Sacramento et al.
  2018) learning by dendritic prediction;
- :mod:`~cortexlearn.build.critic` — error critics attached to a layer or an output;
- :mod:`~cortexlearn.build.balanced`, :mod:`~cortexlearn.build.balanced_dale` — balanced networks
  with fast and slow connections (Bourdoukan & Denève 2015);
- :mod:`~cortexlearn.build.plasticity` — spike-train protocols and plastic test networks (pairing
  protocols, Song et al. 2000, Vogels et al. 2011);
- :mod:`~cortexlearn.build.nef`, :mod:`~cortexlearn.build.error_populations`,
  :mod:`~cortexlearn.build.coba`.
"""

from ..errors import SpecError
from ..specs import Circuit
from . import eqprop, feedforward, microcircuit, recurrent  # noqa: F401  (register the learning circuits' specs)
from .circuit import BuiltCircuit, synapse_code, unit_name
from .circuit import build as build_circuit
from .registry import BUILDERS, register

__all__ = ["BuiltCircuit", "build", "build_circuit", "register", "synapse_code", "unit_name"]

register(Circuit)(build_circuit)


def build(spec, **options):
    """Create the Brian2 objects of a specification (inside an active
    :class:`~cortexlearn.simulation.Simulation`).

    Parameters
    ----------
    spec : Circuit or a learning-circuit specification
        A :class:`~cortexlearn.specs.Circuit` (see :func:`cortexlearn.build.circuit.build` for its
        options) or a learning circuit's: :class:`~cortexlearn.circuits.feedforward.CreditCircuit`,
        :class:`~cortexlearn.circuits.recurrent.RecurrentCircuit`.
    **options
        Options of that specification's builder.

    Returns
    -------
    BuiltCircuit or the learning circuit's built object
        Named Brian2 objects in an explicit ``Network`` (``.network``).

    Raises
    ------
    SpecError
        For an object that is no specification.
    """
    for spec_type in type(spec).__mro__:
        if spec_type in BUILDERS:
            return BUILDERS[spec_type](spec, **options)
    raise SpecError(f"build() takes a specification ({', '.join(t.__name__ for t in BUILDERS)}), "
                    f"got {type(spec).__name__}")
