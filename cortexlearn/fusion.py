"""Fewer, larger Brian2 objects for the same circuit (``build(circuit, fuse=True)``).

A circuit written population by population (Dale's law: one sign per population) has one
``NeuronGroup`` per population and one ``Synapses`` per (pre, post) pair. In compiled code every
object costs its own loop per time step (state update, threshold, reset, spike-queue push,
``on_pre``), so an E/I network built that way runs more loops than the same network written by
hand with one group and two subgroups. Fusion builds the hand-written form from the specs:

- populations of one neuron model (same equations, threshold, reset, refractoriness, method and
  parameter values) share one ``NeuronGroup``; each population is a named ``Subgroup`` of it, so
  ``built.groups["E"]`` still addresses the excitatory neurons;
- static projections (no rule) from one presynaptic node with the same channel, scalar weight,
  delay and random (or all-to-all) connectivity onto populations that lie side by side in one
  fused group share one ``Synapses`` onto that stretch of the group; their weight is a single
  shared constant instead of one value per synapse;
- a population whose spikes are recorded with all the others of its group gets its spikes from
  one monitor on the whole group, through :class:`SubgroupSpikes`.

The sign of every synapse still comes from its presynaptic population, so Dale's law holds by
construction. Connectivity is statistically the same as without fusion (the same probability
per pair), not the same realisation.
"""

from __future__ import annotations

import dataclasses

import numpy as np

__all__ = ["FusionPlan", "plan", "SubgroupSpikes", "FusedSynapses"]


def neuron_key(population) -> tuple:
    """What must be equal for two populations to share one NeuronGroup.

    Parameters
    ----------
    population : Population
        A population spec.

    Returns
    -------
    tuple
        Equations, threshold, reset, refractoriness, integration method and parameters.
    """
    n = population.neuron
    params = tuple(sorted((k, repr(v)) for k, v in n.parameters.items()))
    return (str(n.equations), n.threshold, n.reset, n.refractory, n.method, params)


@dataclasses.dataclass(frozen=True)
class FusedGroup:
    """One NeuronGroup shared by ``members`` (population names), laid out in that order.

    Attributes
    ----------
    name : str
        Name of the shared group.
    members : tuple of str
        Population names.
    offsets : tuple of int
        Start index of each member in the shared group.
    sizes : tuple of int
        Size of each member.
    """

    name: str
    members: tuple
    offsets: tuple  # start index of each member in the shared group
    sizes: tuple

    def span(self, names) -> tuple[int, int]:
        """The index range in the shared group that holds the named members.

        Parameters
        ----------
        names : iterable of str
            Member populations.

        Returns
        -------
        (int, int)
            Start and stop.
        """
        idx = [self.members.index(n) for n in names]
        return self.offsets[min(idx)], self.offsets[max(idx)] + self.sizes[max(idx)]


@dataclasses.dataclass(frozen=True)
class FusedProjection:
    """One Synapses for ``members`` (projection names), all from ``pre`` onto ``posts``.

    Attributes
    ----------
    name : str
        Name of the shared Synapses.
    members : tuple of str
        Projection names.
    pre : str
        The presynaptic population.
    posts : tuple of str
        The postsynaptic populations.
    group : FusedGroup
        The fused group the posts belong to.
    """

    name: str
    members: tuple
    pre: str
    posts: tuple
    group: FusedGroup


@dataclasses.dataclass(frozen=True)
class FusionPlan:
    """Which populations share a NeuronGroup and which projections share a Synapses.

    Attributes
    ----------
    groups : tuple of FusedGroup
        Only those with two or more members.
    projections : tuple of FusedProjection
        Only those with two or more members.
    """
    groups: tuple  # FusedGroup, only those with two or more members
    projections: tuple  # FusedProjection, only those with two or more members

    def group_of(self, population: str) -> FusedGroup | None:
        """The fused group a population belongs to.

        Parameters
        ----------
        population : str
            Its name.

        Returns
        -------
        FusedGroup or None
            None when the population has a group of its own.
        """
        for g in self.groups:
            if population in g.members:
                return g
        return None


def _unique(name: str, taken: set) -> str:
    out, k = name, 1
    while out in taken:
        out, k = f"{name}_{k}", k + 1
    taken.add(out)
    return out


def plan(circuit, channel_code) -> FusionPlan:
    """Which populations share a NeuronGroup and which projections share a Synapses.

    Parameters
    ----------
    circuit : Circuit
        The circuit spec.
    channel_code : callable
        ``channel_code(projection)`` returns the projection's rendered synapse code (as
        :func:`cortexlearn.build.synapse_code`); projections fuse only when it is identical.

    Returns
    -------
    FusionPlan
    """
    taken = {p.name for p in circuit.populations} | {s.name for s in circuit.sources}
    taken |= {p.name for p in circuit.projections} | {d.name for d in circuit.drives}
    by_key: dict = {}
    for pop in circuit.populations:
        by_key.setdefault(neuron_key(pop), []).append(pop)
    groups = []
    for pops in by_key.values():
        if len(pops) < 2:
            continue
        sizes = tuple(p.n for p in pops)
        offsets = tuple(int(x) for x in np.concatenate([[0], np.cumsum(sizes)[:-1]]))
        groups.append(FusedGroup(_unique("_".join(p.name for p in pops) + "_group", taken),
                                 tuple(p.name for p in pops), offsets, sizes))
    fused_plan = FusionPlan(tuple(groups), ())
    candidates: dict = {}
    for proj in circuit.projections:
        group = fused_plan.group_of(proj.post)
        conn = proj.connectivity
        if (group is None or proj.rule is not None or conn.mode not in ("probability", "all_to_all")
                or not _scalar_weight(proj.weight)):
            continue
        code = channel_code(proj)
        key = (proj.pre, group.name, code["model"], code["on_pre"], repr(proj.delay), conn.mode,
               conn.p if conn.mode == "probability" else 1.0, conn.allow_autapses, repr(proj.weight))
        candidates.setdefault(key, []).append(proj)
    projections = []
    for key, projs in candidates.items():
        group = fused_plan.group_of(projs[0].post)
        projs = sorted(projs, key=lambda p: group.members.index(p.post))
        for run in _contiguous_runs(projs, group):
            if len(run) > 1:
                posts = tuple(p.post for p in run)
                projections.append(FusedProjection(_unique(f"{run[0].pre}_to_{'_'.join(posts)}", taken),
                                                   tuple(p.name for p in run), run[0].pre, posts,
                                                   group))
    return FusionPlan(tuple(groups), tuple(projections))


def _scalar_weight(weight) -> bool:
    return not isinstance(weight, str) and np.size(weight) == 1


def _contiguous_runs(projs, group):
    run, out = [], []
    for p in projs:
        pos = group.members.index(p.post)
        if run and pos != group.members.index(run[-1].post) + 1:
            out.append(run)
            run = []
        run.append(p)
    if run:
        out.append(run)
    return out


class SubgroupSpikes:
    """The spikes of one population, read from a monitor of its whole fused group.

    Offers what analysis code reads from a ``SpikeMonitor``: ``i`` (indices within the
    population), ``t``, ``count``, ``num_spikes`` and ``spike_trains()``.

    Parameters
    ----------
    monitor : SpikeMonitor
        The monitor of the fused group.
    start, stop : int
        The population's index range in the group.
    name : str
        The population's name.
    """

    def __init__(self, monitor, start: int, stop: int, name: str):
        self.monitor, self.start, self.stop, self.name = monitor, int(start), int(stop), name

    def _mask(self):
        i = np.asarray(self.monitor.i[:])
        return (i >= self.start) & (i < self.stop), i

    @property
    def i(self):
        """Neuron index of each spike, within the population."""
        mask, i = self._mask()
        return i[mask] - self.start

    @property
    def t(self):
        """Time of each spike (with units)."""
        mask, _ = self._mask()
        return self.monitor.t[:][mask]

    @property
    def t_(self):
        """Time of each spike (seconds, without units)."""
        mask, _ = self._mask()
        return np.asarray(self.monitor.t_[:])[mask]

    @property
    def count(self):
        """Spikes per neuron of the population."""
        return np.asarray(self.monitor.count[:])[self.start:self.stop]

    @property
    def num_spikes(self) -> int:
        """Number of spikes of the population."""
        return int(self._mask()[0].sum())

    def spike_trains(self) -> dict:
        """Spike times per neuron, keyed by index within the population.

        Returns
        -------
        dict of int to Quantity
        """
        trains = self.monitor.spike_trains()
        return {k - self.start: v for k, v in trains.items() if self.start <= k < self.stop}

    def __repr__(self):
        return f"<SubgroupSpikes {self.name}: neurons {self.start}..{self.stop - 1} of {self.monitor.name}>"


class FusedSynapses(dict):
    """``built.synapses``: by projection name, with a clear error for a fused projection.

    Parameters
    ----------
    *args, **kwargs
        As for ``dict``.
    fused : dict, optional
        Projection name -> name of the fused Synapses that carries it.
    """

    def __init__(self, *args, fused: dict | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fused = dict(fused or {})

    def __missing__(self, key):
        if key in self.fused:
            raise KeyError(f"projection {key!r} shares the Synapses {self.fused[key]!r} with other "
                           "projections (build(..., fuse=True)); read that object, or build with "
                           "fuse=False for one Synapses per projection")
        raise KeyError(key)
