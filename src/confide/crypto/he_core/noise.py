""":class:`NoiseStore`: randomness made ahead of time, each value handed out once.

The base of Paillier's and OU's ``Noise``. The randomness of an encryption (``r**n`` for
Paillier, ``h**r`` for OU) is most of its cost and does not depend on the plaintext, so a party
that will encrypt soon makes it while it waits and then encrypts at the cost of applying the
plaintext. A scheme's subclass says how its values are made (:meth:`NoiseStore._make`); the store,
its lock and the rule that no value is used twice are here.
"""

from __future__ import annotations

import threading
from concurrent.futures import Future
from typing import Any, ClassVar, Generic, Protocol, TypeVar

from confide.crypto.he_core.gmp import Mpz
from confide.crypto.parallel import WorkerPool
from confide.errors import ConfigError

__all__ = ["NoiseStore", "check_count", "take_noise"]


class _PublicKey(Protocol):
    def __eq__(self, other: object) -> bool: ...

    @property
    def bits(self) -> int: ...


PubT = TypeVar("PubT", bound=_PublicKey)


class NoiseStore(Generic[PubT]):
    """Randomness values made ahead of time for one key, each handed out once.

    Values leave the store as they are taken, so none is ever used twice; if the store runs
    short, the rest is made on the spot. The store lives in this process's memory; it is as
    secret as the plaintexts it will hide.
    """

    _SCHEME: ClassVar[str] = ""
    """The scheme's name in messages and the thread's name (scheme hook)."""

    def __init__(self, key: Any, public_key: PubT) -> None:
        self._key = key
        self._public_key = public_key
        self._store: list[Mpz] = []
        self._lock = threading.Lock()

    @property
    def public_key(self) -> PubT:
        """The key the values belong to."""
        return self._public_key

    def __len__(self) -> int:
        with self._lock:
            return len(self._store)

    def _make(self, count: int, pool: WorkerPool | None) -> list[Mpz]:
        """``count`` new values, over ``pool`` if given (scheme hook)."""
        raise NotImplementedError

    def fill(self, count: int, *, pool: WorkerPool | None = None) -> None:
        """Make ``count`` more values now (over ``pool`` if given) and store them."""
        check_count(count)
        values = self._make(count, pool)
        with self._lock:
            self._store.extend(values)

    def fill_in_background(self, count: int, *, pool: WorkerPool | None = None) -> Future[None]:
        """Start :meth:`fill` in a thread and return at once; the future tells when it is done.

        With a ``pool``, the thread only waits for the workers; without one, it competes with
        this process's other threads for the interpreter lock, which suits a party that is
        waiting for a peer.
        """
        done: Future[None] = Future()

        def run() -> None:
            try:
                self.fill(count, pool=pool)
            except BaseException as exc:  # handed to whoever waits on the future
                done.set_exception(exc)
            else:
                done.set_result(None)

        name = f"confide-{self._SCHEME.lower()}-noise"
        threading.Thread(target=run, name=name, daemon=True).start()
        return done

    def take(self, count: int, *, pool: WorkerPool | None = None) -> list[Mpz]:
        """Remove and return ``count`` values, making any shortfall now."""
        check_count(count)
        with self._lock:
            taken = self._store[:count]
            del self._store[:count]
        if len(taken) < count:
            taken += self._make(count - len(taken), pool)
        return taken


def take_noise(
    noise: object,
    noise_type: type[NoiseStore[Any]],
    public_key: object,
    count: int,
    pool: WorkerPool | None,
) -> list[Mpz]:
    """``noise.take(count)``; ``TypeError`` unless it is a ``noise_type``, :class:`ConfigError`
    unless it was made for ``public_key``."""
    if not isinstance(noise, noise_type):
        raise TypeError(f"noise must be a {noise_type._SCHEME} Noise, got {type(noise).__name__}")
    if noise.public_key != public_key:
        raise ConfigError("the noise was made for another public key")
    return noise.take(count, pool=pool)


def check_count(count: int) -> None:
    """:class:`ConfigError` unless ``count`` is an int >= 0."""
    if isinstance(count, bool) or not isinstance(count, int) or count < 0:
        raise ConfigError(f"count must be an int >= 0, got {count!r}")
