from app.core.clock import HybridClock, counter_part, pack, to_iso, wall_part


class FakeWall:
    def __init__(self, ms: int) -> None:
        self.ms = ms

    def __call__(self) -> int:
        return self.ms


def test_follows_wall_clock_when_it_advances() -> None:
    wall = FakeWall(1_000_000)
    clock = HybridClock(0, wall)
    assert clock.tick() == pack(1_000_000)
    wall.ms = 1_000_500
    assert clock.tick() == pack(1_000_500)


def test_stays_monotonic_when_wall_clock_goes_backwards() -> None:
    wall = FakeWall(2_000_000)
    clock = HybridClock(0, wall)
    stamps = [clock.tick()]
    wall.ms = 1_000_000  # the laptop's clock is set back by 1000 s
    stamps += [clock.tick() for _ in range(5)]
    assert stamps == sorted(stamps) and len(set(stamps)) == len(stamps)
    assert all(wall_part(s) == 2_000_000 for s in stamps)
    assert counter_part(stamps[-1]) == 5
    wall.ms = 2_000_001
    assert clock.tick() == pack(2_000_001)


def test_counter_overflow_moves_into_the_next_millisecond() -> None:
    clock = HybridClock(pack(5_000, 0xFFFF), FakeWall(1))
    assert clock.tick() == pack(5_001, 0)


def test_observe_moves_past_a_remote_stamp() -> None:
    clock = HybridClock(0, FakeWall(1_000))
    remote = pack(9_000, 3)
    after = clock.observe(remote)
    assert after > remote
    assert clock.tick() > after


def test_iso_rendering() -> None:
    assert to_iso(pack(1_769_731_200_123, 7)) == "2026-01-30T00:00:00.123Z"
