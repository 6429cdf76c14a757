"""Per-method backoff: Retry-After honoured, exponential otherwise, one method at a time."""

from __future__ import annotations

from bot.slack_calls import MAX_DELAY, Backoff


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def no_jitter(low: float, high: float) -> float:
    return high


def test_a_rate_limited_method_waits_what_slack_asked_and_the_others_go_on() -> None:
    clock = Clock()
    backoff = Backoff(clock=clock, jitter=no_jitter)

    delay = backoff.failed("chat.update", 30.0)

    assert 30.0 <= delay <= 31.0
    assert not backoff.ready("chat.update")
    assert backoff.ready("chat.postMessage")
    clock.now += 29.9
    assert not backoff.ready("chat.update")
    clock.now += 1.2
    assert backoff.ready("chat.update")


def test_without_retry_after_the_wait_doubles_up_to_a_cap_and_a_success_resets_it() -> None:
    clock = Clock()
    backoff = Backoff(clock=clock, jitter=no_jitter)

    delays = [backoff.failed("chat.postMessage") for _ in range(12)]

    assert delays[:4] == [1.0, 2.0, 4.0, 8.0]
    assert max(delays) == MAX_DELAY
    backoff.succeeded("chat.postMessage")
    assert backoff.ready("chat.postMessage")
    assert backoff.failed("chat.postMessage") == 1.0


def test_jitter_spreads_the_waits() -> None:
    low = Backoff(clock=Clock(), jitter=lambda a, b: a)
    high = Backoff(clock=Clock(), jitter=lambda a, b: b)

    assert low.failed("m") < high.failed("m")
