"""A small circuit breaker for optional dependencies (Redis).

When Redis is down, every call would otherwise wait for a connect or read timeout. After
`failure_threshold` consecutive failures the breaker *opens* and callers skip Redis at once
(the cache answers a miss, the rate limiter uses its in-process fallback). After `reset_seconds`
it lets one probe through (*half-open*); a success closes it again, a failure re-opens it.

Losing and regaining the dependency each log one warning; every state change is reported to a
callback, which the metrics module turns into a gauge.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from enum import StrEnum

import structlog

log = structlog.get_logger("mealplanner.circuit")


class CircuitState(StrEnum):
    CLOSED = "closed"
    HALF_OPEN = "half_open"
    OPEN = "open"


StateListener = Callable[[str, CircuitState], None]


class CircuitBreaker:
    def __init__(
        self,
        name: str,
        *,
        failure_threshold: int = 3,
        reset_seconds: float = 5.0,
        on_state_change: StateListener | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.name = name
        self.failure_threshold = failure_threshold
        self.reset_seconds = reset_seconds
        self._listeners: list[StateListener] = [on_state_change] if on_state_change else []
        self._clock = clock
        self._state = CircuitState.CLOSED
        self._failures = 0
        self._opened_at = 0.0
        self._probe_in_flight = False

    @property
    def state(self) -> CircuitState:
        return self._state

    def add_listener(self, listener: StateListener) -> None:
        self._listeners.append(listener)
        listener(self.name, self._state)

    def allow(self) -> bool:
        """May the caller try the dependency now?"""
        if self._state is CircuitState.CLOSED:
            return True
        if self._state is CircuitState.OPEN:
            if self._clock() - self._opened_at < self.reset_seconds:
                return False
            self._set(CircuitState.HALF_OPEN)
        # Half-open: exactly one probe at a time; everyone else keeps the fallback.
        if self._probe_in_flight:
            return False
        self._probe_in_flight = True
        return True

    def record_success(self) -> None:
        self._failures = 0
        self._probe_in_flight = False
        if self._state is not CircuitState.CLOSED:
            self._set(CircuitState.CLOSED)

    def record_failure(self) -> None:
        self._failures += 1
        self._probe_in_flight = False
        if self._state is CircuitState.HALF_OPEN or (
            self._state is CircuitState.CLOSED and self._failures >= self.failure_threshold
        ):
            self._opened_at = self._clock()
            self._set(CircuitState.OPEN)

    def _set(self, state: CircuitState) -> None:
        previous, self._state = self._state, state
        # One warning when the dependency is lost and one line when it is back; the probes in
        # between (half-open, re-open) only log at debug so a long outage does not flood logs.
        if state is CircuitState.OPEN and previous is CircuitState.CLOSED:
            log.warning("circuit_open", circuit=self.name, retryInSeconds=self.reset_seconds)
        elif state is CircuitState.CLOSED:
            log.warning("circuit_closed", circuit=self.name)
        else:
            log.debug("circuit_state", circuit=self.name, state=state.value)
        for listener in self._listeners:
            listener(self.name, state)
