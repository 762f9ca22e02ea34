"""The technicians' queue: first come first served, critical first, closed tickets skipped."""

from __future__ import annotations

import numpy as np

from sim.tickets import TicketQueue


def make(minutes: list[float], reps: list[int] | None = None) -> TicketQueue:
    reps = reps or [0] * len(minutes)
    return TicketQueue(np.array(reps, dtype=np.int64), np.array(minutes, dtype=float), max(reps) + 1)


def test_first_come_first_served_within_the_budget() -> None:
    q = make([30] * 10)
    q.add(np.array([4, 2, 7, 1]), np.zeros(4, dtype=bool))
    served, used = q.serve(65)  # room for two 30-minute tickets
    assert served.tolist() == [4, 2]
    assert used.tolist() == [60]
    assert q.count.tolist() == [2]
    served, _ = q.serve(1000)
    assert served.tolist() == [7, 1]
    assert q.count.tolist() == [0]


def test_a_ticket_that_does_not_fit_blocks_the_ones_behind_it() -> None:
    q = make([10, 50, 10])
    q.add(np.array([0, 1, 2]), np.zeros(3, dtype=bool))
    served, used = q.serve(40)
    assert served.tolist() == [0]  # device 1 needs 50 minutes: the day ends there
    assert used.tolist() == [10]


def test_critical_tickets_go_first_and_an_open_ticket_moves_up() -> None:
    q = make([30] * 6)
    q.add(np.array([0, 1, 2]), np.zeros(3, dtype=bool))
    q.add(np.array([3, 2]), np.array([True, True]))  # 2 was waiting: it moves up
    served, _ = q.serve(90)
    assert served.tolist() == [3, 2, 0]
    assert q.count.tolist() == [1]


def test_closed_tickets_are_skipped_and_cost_nothing() -> None:
    q = make([30] * 5)
    q.add(np.arange(5), np.zeros(5, dtype=bool))
    q.close(np.array([0, 1, 3]))
    served, used = q.serve(1000)
    assert served.tolist() == [2, 4]
    assert used.tolist() == [60]


def test_replications_have_their_own_budget_and_queue() -> None:
    reps = [0, 0, 0, 1, 1, 1]
    q = make([20] * 6, reps)
    q.add(np.array([3, 0, 4, 1, 5, 2]), np.zeros(6, dtype=bool))
    served, used = q.serve(40)
    assert sorted(served.tolist()) == [0, 1, 3, 4]
    assert used.tolist() == [40, 40]


def test_many_tickets_keep_their_order_through_growth_and_compaction() -> None:
    n = 5000
    q = make([1.0] * n)
    order = np.random.default_rng(1).permutation(n)
    seen: list[int] = []
    for chunk in np.array_split(order, 50):
        q.add(chunk, np.zeros(chunk.size, dtype=bool))
        served, _ = q.serve(37)
        seen += served.tolist()
    while q.count[0]:
        seen += q.serve(500)[0].tolist()
    assert seen == order.tolist()


def test_a_device_requested_twice_in_one_batch_gets_one_ticket() -> None:
    q = make([30] * 4)
    q.add(np.array([2, 1, 2, 3]), np.array([False, False, True, False]))
    assert q.count.tolist() == [3]
    served, _ = q.serve(1000)
    assert served.tolist() == [2, 1, 3]  # 2 went to the critical log
