"""Fixed-point functions of secret values, written once over the protocol interface.

Each function takes arithmetic shares (fixed point; integer shares are rescaled first) and
returns shares with the engine's fractional bits; it runs on every protocol because it uses
only the engine's products, truncations and the boolean circuits of :mod:`confide.mpc.circuits`.
Ranges and errors below are those of 18 fractional bits (the default). Inputs are secret, so a
value outside a function's range cannot be detected without revealing it: it gives a wrong
result, and the documented range is the caller's to keep. What is public is checked on every
party before any message, with ``ConfigError``: ``exp``, ``log``, ``reciprocal``, ``div``,
``sqrt``, ``rsqrt`` and ``softmax`` scale values across the whole ring, so they need 12 to 20
fractional bits (errors scale with ``2^-frac_bits``) and a protocol with exact-range truncation
(not ``Truncation.LOCAL``); the sigmoid family runs everywhere (the accurate sigmoid and tanh
truncate with the exact-range method whatever the protocol's default; the fast sigmoid under local
truncation has that method's documented odds of a large error, about ``2^-23`` per element).

================  ==========================  ===============================  ===========
function          input range                 maximum error                    rounds (2p)
================  ==========================  ===============================  ===========
``sigmoid``       all reals                   4e-4 absolute                    9
``sigmoid fast``  all reals                   0.056 absolute                   10
``tanh``          all reals                   8e-4 absolute                    9
``exp``           (-3.6e5, 16.6)              1e-5 relative (absolute below 1)  19
``log``           [2^-18, 2^42)               1e-5 absolute                    22
``reciprocal``    2^-18 <= abs(x) < 2^42      1e-6 relative + 2^-17            26
``div``           divisor as ``reciprocal``   ``abs(x)`` 1e-6 + 2^-17          28
``sqrt``          [0, 2^41)                   3e-6 relative + 2^-18            26
``rsqrt``         [2^-18, 2^41)               2.5e-5 relative                  26
``softmax``       abs(x) < 1.8e5              2e-5 absolute                    see module
================  ==========================  ===============================  ===========

Modules: ``polynomial`` (polynomials in log rounds, Estrin's scheme), ``normalize`` (scaling
by the leading bit), ``sigmoid`` (sigmoid, tanh), ``exp_log``, ``roots`` (reciprocal, div,
sqrt, rsqrt), ``softmax``.
"""

from confide.mpc.functions.exp_log import exp, log
from confide.mpc.functions.polynomial import evaluate, fixed_point
from confide.mpc.functions.roots import div, reciprocal, rsqrt, sqrt
from confide.mpc.functions.sigmoid import SIGMOID_METHODS, sigmoid, tanh
from confide.mpc.functions.softmax import softmax

__all__ = [
    "SIGMOID_METHODS",
    "div",
    "evaluate",
    "exp",
    "fixed_point",
    "log",
    "reciprocal",
    "rsqrt",
    "sigmoid",
    "softmax",
    "sqrt",
    "tanh",
]
