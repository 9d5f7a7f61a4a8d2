"""e-prop: eligibility propagation for recurrent networks of (adaptive) LIF neurons.

Bellec, Scherr, Subramoney, Hajek, Salaj, Legenstein & Maass (2020), *A solution to the learning
dilemma for recurrent networks of spiking neurons*, Nat. Commun. 11:3625.

Every synapse ``i -> j`` onto a recurrent neuron carries an eligibility trace, updated each time
step at the end of the step (``run_regularly``, slot ``end``):

.. math::

    e_{ji} &= \\psi_j\\,(\\bar x_i - \\beta\\,\\epsilon^a_{ji})
        \\qquad \\psi_j = \\frac{\\gamma}{v_{th}}\\max\\!\\left(0, 1-\\frac{|v_j - A_j|}{v_{th}}\\right) \\\\
    \\bar e_{ji} &\\leftarrow \\kappa\\,\\bar e_{ji} + e_{ji},\\qquad
    g_{ji} \\leftarrow g_{ji} + L_j\\,\\bar e_{ji},\\qquad
    \\epsilon^a_{ji} \\leftarrow \\rho\\,(\\epsilon^a_{ji} + e_{ji})

with the presynaptic trace :math:`\\bar x_i` (a low-pass filter of the presynaptic spikes with the
membrane time constant, kept on the presynaptic neuron), and the learning signal
:math:`L_j = \\sum_k B_{jk}(y_k - y^*_k)` broadcast from the readout through fixed
random (``feedback="random"``) or symmetric (``"symmetric"``, :math:`B = W_{out}^T`) weights as a
summed variable. LIF neurons have :math:`\\beta = 0` and no :math:`\\epsilon^a`. Readout synapses
accumulate :math:`g_{kj} \\leftarrow g_{kj} + (y_k - y^*_k)\\,\\bar z^\\kappa_j`. At the start of each
trial the accumulated :math:`g` moves the weight (Adam per synapse, or plain gradient descent) and
every trace is cleared. The firing-rate regulariser is the e-prop gradient of
:math:`E_{reg} = \\frac{c_{reg}}{2}\\sum_j \\left(\\frac{f_j - f_0}{f_0}\\right)^2` with :math:`f_j` the
neuron's rate **in the same trial** as the task gradient it joins and
:math:`\\partial f_j/\\partial W_{ji} \\approx \\frac{1}{T}\\sum_t e_{ji}` (Bellec et al. 2020,
Methods, "Firing rate regularization"):

.. math::

    g_{ji} \\leftarrow g_{ji} + R_j \\sum_t e_{ji,t},\\qquad
    R_j = c_{reg}\\,\\frac{f_j - f_0}{f_0^2\\,T}

applied at the end of the trial, before the weight update. This is what NEST 3.10's
``eprop_iaf_bsshslm_2020`` computes (rate of the current update interval times the summed,
unfiltered eligibility trace); its coefficient in NEST's units (rates in spikes per step, a trace
filtered with :math:`1-\\kappa`) is :math:`c^{NEST}_{reg} = c_{reg}(1-\\kappa)/(f_0\\,\\Delta t)^2`.
:mod:`cortexlearn.reference.eprop` is the same rule in NumPy.
"""

from __future__ import annotations

import dataclasses

import numpy as np
from brian2 import Hz, ms, second

from ..errors import SpecError
from ..units import as_quantity, check_positive
from .base import LearningRule, Regular, RuleParts

__all__ = ["EProp"]

_NEURONS = ("lif", "alif")
_FEEDBACK = ("random", "symmetric")
_OPTIMIZERS = ("adam", "sgd")


@dataclasses.dataclass(frozen=True)
class EProp(LearningRule):
    """Parameters of e-prop and of the neurons it is derived for.

    Parameters
    ----------
    neuron : str
        ``"lif"`` or ``"alif"`` (adaptive threshold).
    tau_membrane, tau_adaptation, tau_readout : Quantity
        Time constants (> 0) of membrane, threshold adaptation and leaky readout. Bellec et al.
        2020 (pattern generation): 30 ms membrane.
    beta : float
        Threshold increase per unit of adaptation, in units of the threshold (ALIF only).
    threshold : float
        Firing threshold of the dimensionless membrane potential (reset by subtraction).
    gamma : float
        Amplitude of the pseudo-derivative (Bellec et al.: 0.3).
    learning_rate_input, learning_rate_recurrent, learning_rate_readout : float
        Step sizes (>= 0; 0 freezes that projection).
    optimizer : str
        ``"adam"`` (per synapse, one step per trial) or ``"sgd"``.
    feedback : str
        ``"random"`` (fixed random B) or ``"symmetric"`` (B = W_out).
    reg_strength : float
        :math:`c_{reg}` of the firing-rate regulariser (>= 0; 0 removes its per-synapse sum).
    target_rate : Quantity
        :math:`f_0`, in Hz.
    """

    neuron: str = "alif"
    tau_membrane: object = dataclasses.field(default_factory=lambda: 30 * ms)
    tau_adaptation: object = dataclasses.field(default_factory=lambda: 200 * ms)
    tau_readout: object = dataclasses.field(default_factory=lambda: 20 * ms)
    beta: float = 0.2
    threshold: float = 1.0
    gamma: float = 0.3
    learning_rate_input: float = 2e-3
    learning_rate_recurrent: float = 2e-3
    learning_rate_readout: float = 2e-3
    optimizer: str = "adam"
    adam_beta1: float = 0.9
    adam_beta2: float = 0.999
    adam_epsilon: float = 1e-8
    feedback: str = "random"
    reg_strength: float = 0.3
    target_rate: object = dataclasses.field(default_factory=lambda: 10 * Hz)

    def __post_init__(self):
        if self.neuron not in _NEURONS:
            raise SpecError(f"neuron must be one of {_NEURONS}, got {self.neuron!r}")
        if self.feedback not in _FEEDBACK:
            raise SpecError(f"feedback must be one of {_FEEDBACK}, got {self.feedback!r}")
        if self.optimizer not in _OPTIMIZERS:
            raise SpecError(f"optimizer must be one of {_OPTIMIZERS}, got {self.optimizer!r}")
        for name in ("tau_membrane", "tau_adaptation", "tau_readout"):
            as_quantity(getattr(self, name), second, name)
            check_positive(getattr(self, name), f"e-prop trace time constant {name}")
        as_quantity(self.target_rate, Hz, "target_rate")
        check_positive(self.target_rate, "target_rate")
        check_positive(self.threshold, "threshold")
        check_positive(self.gamma, "gamma")
        for name in ("beta", "learning_rate_input", "learning_rate_recurrent",
                     "learning_rate_readout", "reg_strength", "adam_epsilon"):
            check_positive(getattr(self, name), name, allow_zero=True)
        for name in ("adam_beta1", "adam_beta2"):
            if not 0 <= getattr(self, name) < 1:
                raise SpecError(f"{name} must be in [0, 1), got {getattr(self, name)!r}")

    @property
    def adaptive(self) -> bool:
        """Whether the neurons adapt their threshold (ALIF, Bellec et al. 2020, eq. 24)."""
        return self.neuron == "alif"

    @property
    def regularised(self) -> bool:
        """Whether the firing-rate regulariser is on (its per-synapse sum is then rendered)."""
        return float(self.reg_strength) > 0

    # ------------------------------------------------------------------ constants
    def decays(self, dt) -> dict[str, float]:
        """Per-step decay factors ``alpha``, ``rho``, ``kappa`` for time step ``dt``.

        Parameters
        ----------
        dt : Quantity
            The simulation time step.

        Returns
        -------
        dict of str to float
            ``exp(-dt/tau)`` of the membrane, the adaptation (0 for LIF) and the readout.
        """
        as_quantity(dt, second, "dt")
        alpha = float(np.exp(-float(dt / self.tau_membrane)))
        rho = float(np.exp(-float(dt / self.tau_adaptation))) if self.adaptive else 0.0
        kappa = float(np.exp(-float(dt / self.tau_readout)))
        return {"alpha": alpha, "rho": rho, "kappa": kappa}

    def learning_rate(self, projection: str) -> float:
        """Step size of a projection.

        Parameters
        ----------
        projection : {"in", "rec", "out"}

        Returns
        -------
        float
        """
        return float({"in": self.learning_rate_input, "rec": self.learning_rate_recurrent,
                      "out": self.learning_rate_readout}[projection])

    def namespace(self, dt, n_steps: int) -> dict:
        """Constants the rendered code refers to.

        Parameters
        ----------
        dt : Quantity
            The simulation time step.
        n_steps : int
            Time steps per trial.

        Returns
        -------
        dict
        """
        d = self.decays(dt)
        return {
            "tau_m": self.tau_membrane, "tau_a": self.tau_adaptation, "tau_out": self.tau_readout,
            "kappa_out": d["kappa"], "rho_a": d["rho"], "beta_a": float(self.beta) if self.adaptive else 0.0,
            "v_th": float(self.threshold), "gamma_pd": float(self.gamma),
            "adam_b1": float(self.adam_beta1),
            "adam_b2": float(self.adam_beta2), "adam_eps": float(self.adam_epsilon),
            "c_reg": float(self.reg_strength), "f_target": self.target_rate,
            "n_steps": int(n_steps), "trial_T": n_steps * dt,
        }

    # ------------------------------------------------------------------ neurons
    def input_model(self) -> str:
        """Input relay neurons: a presynaptic trace and its value before this step's spike."""
        return "dxbar/dt = -xbar/tau_m : 1\nxtr : 1"

    def recurrent_model(self) -> str:
        """Recurrent neurons: membrane ``v`` (and adaptation ``a`` for ALIF), the filtered spike
        trains of the eligibility traces and the readout, the pseudo-derivative, learning signals
        and the trial's spike count (Bellec et al. 2020, eqs. 1, 24)."""
        lines = ["dv/dt = -v/tau_m : 1", "dzbar/dt = -zbar/tau_m : 1", "dzk/dt = -zk/tau_out : 1",
                 "xtr : 1", "psi : 1", "L_task : 1", "L_reg : 1", "L : 1", "count : 1"]
        if self.adaptive:
            lines.insert(1, "da/dt = -a/tau_a : 1")
        return "\n".join(lines)

    def recurrent_threshold(self) -> str:
        """Threshold condition: ``v`` above the (adaptive) threshold."""
        return "v > v_th + beta_a*a" if self.adaptive else "v > v_th"

    def recurrent_reset(self) -> str:
        """Reset by subtraction; the spike also updates the traces, the count and ``a``."""
        return "v -= v_th\nzbar += 1\nzk += 1\ncount += 1" + ("\na += 1" if self.adaptive else "")

    def pseudo_derivative_code(self) -> str:
        """Runs after the state update, before the threshold: the pseudo-derivative and the
        presynaptic trace value of this step."""
        distance = "v - v_th - beta_a*a" if self.adaptive else "v - v_th"
        return f"psi = gamma_pd/v_th*clip(1 - abs({distance})/v_th, 0, inf)\nxtr = zbar"

    @staticmethod
    def regulariser_code() -> str:
        """End of a trial, before the weight update: :math:`R_j` from the rate of the trial that
        just ended (``count`` spikes in ``trial_T``)."""
        return "L_reg = c_reg*(count/trial_T - f_target)/(f_target**2*trial_T)"

    def recurrent_trial_start(self) -> str:
        """Start of a trial (after the weight update): state cleared."""
        code = "count = 0\nv = 0\nzbar = 0\nzk = 0"
        return code + ("\na = 0" if self.adaptive else "")

    @staticmethod
    def learning_signal_code() -> str:
        """The per-step learning signal: the broadcast readout error (the regulariser acts once
        per trial, see :meth:`regulariser_code`)."""
        return "L = L_task"

    # ------------------------------------------------------------------ synapses
    def hidden_synapse_model(self) -> str:
        """Input and recurrent synapses: weight, filtered eligibility trace ``ebar``, accumulated
        gradient, step size, the adaptation part ``epsa`` of the eligibility (ALIF), the trial's
        summed eligibility for the regulariser and the Adam moments (Bellec et al. 2020, eqs. 25-28)."""
        lines = ["w : 1", "ebar : 1", "grad : 1", "eta : 1 (shared, constant)"]
        if self.adaptive:
            lines.append("epsa : 1")
        if self.regularised:
            lines.append("esum : 1")
        if self.optimizer == "adam":
            lines += ["m_adam : 1", "s_adam : 1"]
        return "\n".join(lines)

    def hidden_step_code(self) -> str:
        """Per synapse and time step (slot ``end``): eligibility trace and gradient (and the
        trial's summed eligibility when the regulariser is on)."""
        total = "\nesum += el" if self.regularised else ""
        if self.adaptive:
            return ("el = psi_post*(xtr_pre - beta_a*epsa)\n"
                    "ebar = kappa_out*ebar + el\n"
                    "grad += L_post*ebar\n"
                    "epsa = rho_a*(epsa + el)" + total)
        if self.regularised:
            return "el = psi_post*xtr_pre\nebar = kappa_out*ebar + el\ngrad += L_post*ebar" + total
        return "ebar = kappa_out*ebar + psi_post*xtr_pre\ngrad += L_post*ebar"

    def readout_synapse_model(self) -> str:
        """Readout synapses: weight, feedback weight ``B``, gradient, Adam moments, and the learning
        signal summed back to the recurrent neurons through ``B`` (random) or ``w`` (symmetric)
        (Bellec et al. 2020, eq. 4)."""
        feedback = "w" if self.feedback == "symmetric" else "B"
        return (f"w : 1\nB : 1\ngrad : 1\neta : 1 (shared, constant)\n"
                f"L_task_pre = {feedback}*err_post : 1 (summed)") + (
            "\nm_adam : 1\ns_adam : 1" if self.optimizer == "adam" else "")

    @staticmethod
    def readout_step_code() -> str:
        """Per step: the readout weights' gradient, error times the filtered presynaptic spikes."""
        return "grad += err_post*zk_pre"

    def update_code(self, projection: str) -> str:
        """Start of each trial: add the regulariser's term, apply the accumulated gradient, clear
        the traces.

        The step size is the synapses' ``eta``, a ``(shared, constant)`` variable set from the
        rule by the builder (and changeable between standalone re-runs without recompiling).

        Parameters
        ----------
        projection : {"in", "rec", "out"}

        Returns
        -------
        str
        """
        if projection not in ("in", "rec", "out"):
            raise SpecError(f"projection must be 'in', 'rec' or 'out', got {projection!r}")
        eta = "eta"
        code = "grad += L_reg_post*esum\n" if self.regularised and projection != "out" else ""
        if self.optimizer == "adam":
            code += ("k_trial = clip(floor(t_in_timesteps*1.0/n_steps + 0.5), 1, inf)\n"
                    "m_adam = adam_b1*m_adam + (1 - adam_b1)*grad\n"
                    "s_adam = adam_b2*s_adam + (1 - adam_b2)*grad**2\n"
                    f"w = w - {eta}*(m_adam/(1 - adam_b1**k_trial))"
                    "/(sqrt(s_adam/(1 - adam_b2**k_trial)) + adam_eps)\n")
        else:
            code += f"w = w - {eta}*grad\n"
        code += "grad = 0"
        if projection != "out":
            code += "\nebar = 0" + ("\nepsa = 0" if self.adaptive else "") + (
                "\nesum = 0" if self.regularised else "")
        return code

    # ------------------------------------------------------------------ the rule protocol
    paper = "Bellec et al. 2020, Nat Commun 11:3625, eqs. (1)-(3), (24)-(30)"
    oracle = "cortexlearn.reference.eprop:eprop_gradient"
    roles = ("input", "recurrent", "readout", "input_neurons", "recurrent_neurons")

    def contribution(self, role: str = "recurrent", trial="trial", **context) -> RuleParts:
        """The parts of e-prop in each place of a recurrent network.

        Parameters
        ----------
        role : {"input", "recurrent", "readout", "input_neurons", "recurrent_neurons"}
            ``"input"``/``"recurrent"``: synapses onto the recurrent neurons (eligibility traces,
            per-step trace update, per-trial weight update); ``"readout"``: recurrent → readout
            synapses (feedback weight ``B`` sums the learning signal); ``"*_neurons"``: the
            equations and per-step/per-trial code of those groups.
        trial : Quantity or str
            Trial duration (the clock of the per-trial updates).

        Returns
        -------
        RuleParts
        """
        self._check_role(role)
        if role in ("input", "recurrent"):
            key = "in" if role == "input" else "rec"
            return RuleParts(model=self.hidden_synapse_model(), on_pre="v_post += w",
                             regular=(Regular(self.hidden_step_code(), when="end", order=2),
                                      Regular(self.update_code(key), dt=trial, when="start", order=-5)),
                             constants={"eta": self.learning_rate(key)})
        if role == "readout":
            return RuleParts(model=self.readout_synapse_model(), on_pre="y_post += w",
                             regular=(Regular(self.readout_step_code(), when="end", order=2),
                                      Regular(self.update_code("out"), dt=trial, when="start", order=-5)),
                             constants={"eta": self.learning_rate("out")})
        if role == "input_neurons":
            return RuleParts(neuron_model=self.input_model(),
                             regular=(Regular("xtr = xbar", when="groups", order=1, on="post"),
                                      Regular("xbar = 0", dt=trial, when="start", order=0, on="post")))
        return RuleParts(neuron_model=self.recurrent_model(),
                         regular=(Regular(self.pseudo_derivative_code(), when="groups", order=1, on="post"),
                                  Regular(self.learning_signal_code(), when="end", order=1, on="post"),
                                  Regular(self.recurrent_trial_start(), dt=trial, when="start", order=0,
                                          on="post")))
