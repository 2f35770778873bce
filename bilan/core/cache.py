"""The Redis cache, with a local fallback: Redis down must not lock everyone out.

allauth keeps its rate limits (failed logins, codes sent) and the TOTP codes already used in the
cache. With Django's plain ``RedisCache``, a stopped Redis turns every login into a 500. This
backend wraps it: when Redis cannot be reached (connection refused, timeout), the call is served
by a local-memory cache of the process instead, and Redis is left alone for a short back-off
(``REESSAI_SECONDES``, 5 s by default) before the next try. One warning is logged when the outage
starts, one line when Redis answers again.

During an outage the limits are counted per process (each gunicorn worker has its own
counters): looser than the shared count, never absent. What the fallback held is not copied back
to Redis; rate-limit windows and TOTP replay records are short-lived anyway.

Settings: ``"BACKEND": "bilan.core.cache.RedisCacheSecours"``; ``OPTIONS`` are those of
Django's ``RedisCache`` (passed to redis-py) plus ``REESSAI_SECONDES``. Connect and read
timeouts default to 1 s, so an unreachable host (a dropped packet rather than a refusal) costs
one second, then nothing during the back-off.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.core.cache.backends.base import DEFAULT_TIMEOUT
from django.core.cache.backends.locmem import LocMemCache
from django.core.cache.backends.redis import RedisCache
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

logger = logging.getLogger(__name__)

# Redis unreachable, as opposed to a wrong command or value (those still raise).
ERREURS_INJOIGNABLE = (RedisConnectionError, RedisTimeoutError, ConnectionError, TimeoutError)
REESSAI_PAR_DEFAUT = 5.0
DELAI_CONNEXION = 1.0
ENTREES_SECOURS = 10_000  # rate-limit keys of a busy morning, per process


@dataclass
class _Etat:
    """One per Redis location and process (Django builds one cache object per thread)."""

    en_panne: bool = False
    reessayer_apres: float = 0.0


_ETATS: dict[str, _Etat] = {}
_VERROU = threading.Lock()


class RedisCacheSecours(RedisCache):
    """Django's ``RedisCache``; when Redis is unreachable, a per-process ``LocMemCache``."""

    def __init__(self, server: str, params: dict[str, Any]) -> None:
        options = dict(params.get("OPTIONS") or {})
        self.reessai_secondes = float(options.pop("REESSAI_SECONDES", REESSAI_PAR_DEFAUT))
        options.setdefault("socket_connect_timeout", DELAI_CONNEXION)
        options.setdefault("socket_timeout", DELAI_CONNEXION)
        super().__init__(server, {**params, "OPTIONS": options})
        self.location = server if isinstance(server, str) else ",".join(server)
        with _VERROU:
            self._etat = _ETATS.setdefault(self.location, _Etat())
        secours = {k: v for k, v in params.items() if k != "OPTIONS"}
        self._secours = LocMemCache(
            f"bilan-secours:{self.location}",
            {**secours, "OPTIONS": {"MAX_ENTRIES": ENTREES_SECOURS}},
        )

    # --- State -------------------------------------------------------------------------------

    @property
    def en_panne(self) -> bool:
        """Whether this process is serving from its local fallback."""
        return self._etat.en_panne

    def _signaler_panne(self, exc: Exception) -> None:
        with _VERROU:
            premiere = not self._etat.en_panne
            self._etat.en_panne = True
            self._etat.reessayer_apres = time.monotonic() + self.reessai_secondes
        if premiere:
            logger.warning(
                "Redis injoignable (%s) : le cache passe sur un secours local au processus "
                "(limites de débit comptées par processus), nouvel essai toutes les %g s.",
                exc.__class__.__name__,
                self.reessai_secondes,
            )

    def _signaler_retour(self) -> None:
        with _VERROU:
            revenu = self._etat.en_panne
            self._etat.en_panne = False
            self._etat.reessayer_apres = 0.0
        if revenu:
            logger.info("Redis répond de nouveau : le cache quitte le secours local.")

    def redis_joignable(self) -> bool:
        """Ping Redis now, whatever the back-off (the health check); updates the state."""
        try:
            self._cache.get_client().ping()
        except ERREURS_INJOIGNABLE as exc:
            self._signaler_panne(exc)
            return False
        self._signaler_retour()
        return True

    def _appeler[T](self, redis: Callable[[], T], secours: Callable[[], T]) -> T:
        if self._etat.en_panne and time.monotonic() < self._etat.reessayer_apres:
            return secours()
        try:
            resultat = redis()
        except ERREURS_INJOIGNABLE as exc:
            self._signaler_panne(exc)
            return secours()
        if self._etat.en_panne:
            self._signaler_retour()
        return resultat

    # --- The cache API (what RedisCache implements; the rest of BaseCache builds on it) -----

    def add(
        self, key: Any, value: Any, timeout: Any = DEFAULT_TIMEOUT, version: int | None = None
    ) -> bool:
        return self._appeler(
            lambda: super(RedisCacheSecours, self).add(key, value, timeout, version),
            lambda: self._secours.add(key, value, timeout, version),
        )

    def get(self, key: Any, default: Any = None, version: int | None = None) -> Any:
        return self._appeler(
            lambda: super(RedisCacheSecours, self).get(key, default, version),
            lambda: self._secours.get(key, default, version),
        )

    def set(
        self, key: Any, value: Any, timeout: Any = DEFAULT_TIMEOUT, version: int | None = None
    ) -> None:
        self._appeler(
            lambda: super(RedisCacheSecours, self).set(key, value, timeout, version),
            lambda: self._secours.set(key, value, timeout, version),
        )

    def touch(self, key: Any, timeout: Any = DEFAULT_TIMEOUT, version: int | None = None) -> bool:
        return self._appeler(
            lambda: super(RedisCacheSecours, self).touch(key, timeout, version),
            lambda: self._secours.touch(key, timeout, version),
        )

    def delete(self, key: Any, version: int | None = None) -> bool:
        return self._appeler(
            lambda: super(RedisCacheSecours, self).delete(key, version),
            lambda: self._secours.delete(key, version),
        )

    def get_many(self, keys: Any, version: int | None = None) -> dict[Any, Any]:
        keys = list(keys)
        return self._appeler(
            lambda: super(RedisCacheSecours, self).get_many(keys, version),
            lambda: self._secours.get_many(keys, version),
        )

    def has_key(self, key: Any, version: int | None = None) -> bool:
        return self._appeler(
            lambda: super(RedisCacheSecours, self).has_key(key, version),
            lambda: self._secours.has_key(key, version),
        )

    def incr(self, key: Any, delta: int = 1, version: int | None = None) -> int:
        return self._appeler(
            lambda: super(RedisCacheSecours, self).incr(key, delta, version),
            lambda: self._secours.incr(key, delta, version),
        )

    def set_many(
        self, data: dict[Any, Any], timeout: Any = DEFAULT_TIMEOUT, version: int | None = None
    ) -> list[Any]:
        return self._appeler(
            lambda: super(RedisCacheSecours, self).set_many(data, timeout, version),
            lambda: self._secours.set_many(data, timeout, version),
        )

    def delete_many(self, keys: Any, version: int | None = None) -> None:
        keys = list(keys)
        self._appeler(
            lambda: super(RedisCacheSecours, self).delete_many(keys, version),
            lambda: self._secours.delete_many(keys, version),
        )

    def clear(self) -> None:
        self._secours.clear()
        self._appeler(lambda: super(RedisCacheSecours, self).clear(), lambda: None)
