"""Random draws, each keyed by what it is about (exact common random numbers).

There are no random streams that mechanisms take turns reading from. Every random number
is a hash of what it is about: the run's seed, the mechanism asking (approval delay,
check-in, install outcome, ...), and the things the draw concerns: the replication, the
device class, the device, the release, the attempt. Devices are named by their place in
their class (device ``j`` of class ``c`` in replication ``r``), not by where the layout
puts them. So

* a replication's draws do not depend on how many replications run or how they are
  batched (the replication's number is part of the key);
* a lever change alters only the draws of its own mechanism: splitting the fleet into
  rollout waves uses the ``WAVE`` key, so the departments, OTA capability and day-0
  compliance of every device stay what they were;
* a device's check-in and install-outcome draws for a given release and attempt are the
  same whatever happens to other devices (adding a technician changes nothing for a
  device the technicians never visit).

The hash is SplitMix64's finaliser applied as a chain: ``h = fmix64(h + (x + 1) * G)`` for
each key word ``x`` in turn (``G`` the 64-bit golden ratio; the fields of a key are
packed into one word), which for a fixed prefix is exactly the SplitMix64 sequence
(Steele, Lea and Flood 2014, "Fast splittable pseudorandom number generators"). Its top
53 bits give a uniform on [0, 1); exponential and gamma draws come from one uniform each
by inverting the distribution function, so a draw never uses a varying number of
uniforms. All of it is vectorised over numpy
``uint64`` arrays (arithmetic wraps modulo 2**64).
"""

from __future__ import annotations

from enum import IntEnum

import numpy as np
from scipy.special import gammaincinv

GOLDEN = np.uint64(0x9E3779B97F4A7C15)
_M1 = np.uint64(0xBF58476D1CE4E5B9)
_M2 = np.uint64(0x94D049BB133111EB)
_S30, _S27, _S31, _S11 = (np.uint64(s) for s in (30, 27, 31, 11))
_TO_UNIT = 2.0**-53


class Mechanism(IntEnum):
    """What a draw is for: the first key field after the seed (or after a device's key)."""

    DEPARTMENT = 1  # which department a device belongs to
    WAVE = 2  # which rollout wave a device is in
    OTA = 3  # whether the device's class lets it be managed over the air
    ENROL = 4  # whether and when the device comes under central management
    INITIAL = 5  # whether the device is compliant on day 0
    RELEASE_GAP = 6  # gap before a class's next release (Poisson cadence)
    RELEASE_PHASE = 7  # phase of a class's fixed cadence
    SEVERITY = 8  # a release's severity
    APPROVAL = 9  # a department's approval delay for a release
    CHECKIN = 10  # wait until a device's next check-in for a release and attempt
    OUTCOME = 11  # outcome of an install attempt (success, loud or silent failure)
    DRIFT = 12  # threshold for staff switching auto-update off
    REPORT = 13  # threshold for a blind spot being reported
    MANUAL = 14  # whether a technician's visit is botched
    AUDIT_COVERAGE = 15  # whether an audit round looks at the device
    AUDIT_DETECTION = 16  # whether it finds the device's problem
    FAULTY = 17  # whether a release is faulty
    VISIBLE = 18  # whether the console reads the device's running version
    CONSOLE = 19  # wait until the console's next look at a device that went wrong


def _fmix(z: np.ndarray) -> np.ndarray:
    """SplitMix64's finaliser, in place (a bijection of 64-bit integers that mixes every bit)."""
    z ^= z >> _S30
    z *= _M1
    z ^= z >> _S27
    z *= _M2
    z ^= z >> _S31
    return z


def _as_u64(x: object) -> np.ndarray:
    a = np.asarray(x)
    if a.dtype != np.uint64:
        a = a.astype(np.int64).astype(np.uint64)  # a negative field wraps within its width
    return a


def _field(x: object, bits: int, shift: int) -> np.ndarray | np.uint64:
    if isinstance(x, int | np.integer):  # one number: in Python's integers, at no array cost
        return np.uint64((int(x) & ((1 << bits) - 1)) << shift)
    a = np.asarray(x)
    a = a.astype(np.uint64) if a.dtype != np.uint64 else a.copy()  # a negative field wraps within its width
    a &= np.uint64((1 << bits) - 1)
    a <<= np.uint64(shift)
    return a


def mix(h: object, word: object) -> np.ndarray:
    """One step of the chain: ``fmix64(h + (word + 1) * G)``; broadcasts like numpy."""
    with np.errstate(over="ignore"):
        out = _as_u64(h) + (_as_u64(word) + np.uint64(1)) * GOLDEN
        return _fmix(np.atleast_1d(out))


def to_uniform(h: np.ndarray) -> np.ndarray:
    """The top 53 bits of each hash as a uniform on [0, 1)."""
    return (h >> _S11).astype(np.float64) * _TO_UNIT


class Draws:
    """The keyed draws of one run (one seed).

    A key names a thing (``key(replication, class, item)``: a device, or with ``item`` 0 a
    class's release stream) in one 64-bit word: 24 bits of replication, 12 of class and 28
    of item, far more than the scenario limits allow (1,000 replications, 1,000,000
    devices). A draw adds one word: 8 bits of mechanism and two fields of 28 bits (a
    release and an attempt, an audit round, a department). Each step is one pass of the
    finaliser over the array, so a keyed draw costs about what a generator's draw does.
    """

    def __init__(self, seed: int) -> None:
        self.seed = int(seed)
        self.root = mix(np.uint64(0x5EED), np.uint64(self.seed % 2**64))

    def key(self, replication: object, cls: object, item: object = 0) -> np.ndarray:
        """A key for item ``item`` of class ``cls`` in replication ``replication``."""
        word = _field(replication, 24, 40) | _field(cls, 12, 28) | _field(item, 28, 0)
        return mix(self.root, word)

    @staticmethod
    def uniform(key: object, mechanism: Mechanism, first: object = 0, second: object = 0) -> np.ndarray:
        """One uniform on [0, 1) per element of ``key`` (broadcast with the two fields)."""
        if _flat(key, first, second):
            return _uniform_flat(key, int(mechanism), first, second)  # type: ignore[arg-type]
        word = _field(int(mechanism), 8, 56) | _field(first, 28, 28) | _field(second, 28, 0)
        return to_uniform(mix(key, word))

    @staticmethod
    def exponential(
        key: object, mechanism: Mechanism, first: object = 0, second: object = 0, *, mean: float = 1.0
    ) -> np.ndarray:
        """Exponential draws of the given mean, by inversion of one uniform each."""
        u = Draws.uniform(key, mechanism, first, second)
        np.negative(u, out=u)
        np.log1p(u, out=u)
        u *= -mean
        return u


def _flat(key: object, first: object, second: object) -> bool:
    """Whether a draw takes the short path: a 1-d array of keys, and fields that are whole
    numbers or 1-d integer arrays as long as the keys (the daily draws of the model)."""
    if not (isinstance(key, np.ndarray) and key.dtype == np.uint64 and key.ndim == 1):
        return False
    for x in (first, second):
        if isinstance(x, np.ndarray):
            if x.shape != key.shape or x.dtype.kind not in "iu":
                return False
        elif not isinstance(x, int | np.integer):
            return False
    return True


def _uniform_flat(key: np.ndarray, mechanism: int, first: object, second: object) -> np.ndarray:
    """``to_uniform(mix(key, word))`` for ``_flat`` arguments in fewer, in-place steps: the
    same arithmetic modulo 2**64, so the same numbers to the last bit."""
    const = (mechanism & 0xFF) << 56
    h = None
    for x, shift in ((first, 28), (second, 0)):
        if isinstance(x, np.ndarray):
            part = x.astype(np.uint64)  # a negative field wraps within its width, as in _field
            part &= _MASK28
            if shift:
                part <<= _S28
            if h is None:
                h = part
            else:
                h |= part
        else:
            const |= (int(x) & 0xFFFFFFF) << shift
    if h is None:
        h = np.full(key.shape, const, dtype=np.uint64)
    elif const:
        h |= np.uint64(const)
    h += _ONE  # the chain step: fmix64(key + (word + 1) * G)
    h *= GOLDEN
    h += key
    _fmix(h)
    h >>= _S11
    u = h.astype(np.float64)
    u *= _TO_UNIT
    return u


_MASK28 = np.uint64(0xFFFFFFF)
_S28 = np.uint64(28)
_ONE = np.uint64(1)


def gamma_ppf(u: np.ndarray | float, shape: float, scale: float) -> np.ndarray:
    """Gamma quantile (exact, by inverting the regularised incomplete gamma function): one
    uniform per draw, so a change of spread does not shift other draws."""
    return gammaincinv(shape, np.asarray(u, dtype=float)) * scale
