"""Pure functions of recorded arrays: each quantity has one name and one argument order here.

- :mod:`~cortexlearn.analysis.spikes`: rates, CV of inter-spike intervals (``cv_isi(indices,
  times, n)``), population rate, synchrony, the LIF rate in closed form.
- :mod:`~cortexlearn.analysis.decoding`: ``nmse`` (normalised by the target's variance) and
  ``nmse_power`` (normalised by its power).
- :mod:`~cortexlearn.analysis.balance`: E/I input correlation, population mean rate, matrix
  correlation.
- :mod:`~cortexlearn.analysis.alignment`: angles between updates, gradients and feedback; mean and
  confidence interval over seeds.
- :mod:`~cortexlearn.analysis.learning`: accuracy, correlation of predictions with the truth.
- :mod:`~cortexlearn.analysis.stdp_window`: fit, zero crossing and sign of a plasticity window.
- :mod:`~cortexlearn.analysis.weights`: weights near their bounds, bimodality.

Spike data come as ``indices`` (neuron) then ``times`` (seconds, floats), as a SpikeMonitor
records them. Nothing here touches Brian2 objects or draws.
"""
